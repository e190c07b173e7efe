// The learning-dynamics explorable: plain JavaScript, no framework, nothing fetched (works opened as a file).
//
// window.DYNAMICS_DATA (dynamics-data.js, written at build time from the tiny LM by course_dynamics.py) holds,
// for each context x_o, its logits z(x_o), and for each update (x_u, y_u) and context, the direction
// d = J(x_o) g_u of the logits. One SGD step of size eta on -A log pi(y_u | x_u) moves z(x_o) to first order by
// eta A d, so pi after the step is softmax(z(x_o) + eta A d), for any slider setting.
// Beside it, the softmax by hand (lesson 3): a step of size eta on the update's own logits, exactly
// z + eta A (e_y - pi), as if each context had its own logits.
"use strict";

(function () {
  const SHOWN = 10; // the tokens listed: the most likely before the step, and the update's token

  function softmax(logits) {
    const top = Math.max(...logits);
    const exps = logits.map((z) => Math.exp(z - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  }

  // Lesson 4's measurement: the first-order change tracks the real one while eta |A| stays small (correlation
  // 0.985 at eta = 0.01, 0.89 at 0.02, 0.69 at 0.03, |A| = 1); past this the table shows directions, not sizes
  const FIRST_ORDER_LIMIT = 0.02;
  const FIRST_ORDER_NOTE =
    ". Past eta |A| = 0.02 the first-order change drifts from a real step's (lesson 4): " +
    "read which way each probability moves, not how far.";

  // pi(. | x_o) after one SGD step of eta on -A log pi(y_u | x_u), to first order in the logits
  function afterStep(data, update, context, advantage, eta) {
    const z = data.logits[context];
    const d = data.directions[update][context];
    return softmax(z.map((zv, v) => zv + eta * advantage * d[v]));
  }

  // the softmax by hand: the update's own logits moved exactly by eta A (e_y - pi)
  function byHand(data, update, advantage, eta) {
    const z = data.own_logits[update];
    const y = data.updates[update].token_id;
    const pi = softmax(z);
    return softmax(z.map((zv, v) => zv + eta * advantage * ((v === y ? 1 : 0) - pi[v])));
  }

  function shownTokens(before, chosen) {
    const order = before.map((p, v) => v).sort((a, b) => before[b] - before[a] || a - b).slice(0, SHOWN);
    return order.includes(chosen) ? order : order.concat([chosen]);
  }

  function fillTable(table, vocab, before, after, chosen) {
    const body = table.querySelector("tbody");
    body.replaceChildren();
    for (const v of shownTokens(before, chosen)) {
      const row = document.createElement("tr");
      row.dataset.token = vocab[v];
      if (v === chosen) row.className = "dyn-chosen";
      const change = Math.log(after[v]) - Math.log(before[v]);
      const cells = [vocab[v], before[v].toFixed(6), after[v].toFixed(6), (change >= 0 ? "+" : "") + change.toFixed(6)];
      cells.forEach((text, i) => {
        const cell = document.createElement(i === 0 ? "th" : "td");
        cell.textContent = text;
        if (i === 2) cell.className = "dyn-after";
        row.appendChild(cell);
      });
      const bar = document.createElement("td");
      const fill = document.createElement("span");
      fill.className = change >= 0 ? "dyn-bar dyn-up" : "dyn-bar dyn-down";
      fill.style.width = Math.min(100, 100 * after[v]).toFixed(1) + "%";
      bar.appendChild(fill);
      row.appendChild(bar);
      body.appendChild(row);
    }
  }

  function redraw(root, data) {
    const get = (id) => root.querySelector("#" + id);
    const update = Number(get("dyn-update").value);
    const context = Number(get("dyn-context").value);
    const advantage = Number(get("dyn-advantage").value);
    const eta = Number(get("dyn-eta").value);
    const handEta = Number(get("dyn-hand-eta").value);
    get("dyn-advantage-value").textContent = advantage.toFixed(2);
    get("dyn-eta-value").textContent = eta.toFixed(3);
    get("dyn-hand-eta-value").textContent = handEta.toFixed(2);
    const chosen = data.updates[update].token_id;
    const before = softmax(data.logits[context]);
    fillTable(get("dyn-table"), data.vocab, before, afterStep(data, update, context, advantage, eta), chosen);
    const own = softmax(data.own_logits[update]);
    fillTable(get("dyn-hand-table"), data.vocab, own, byHand(data, update, advantage, handEta), chosen);
    const u = data.updates[update];
    get("dyn-caption").textContent =
      `pi(. | "${data.contexts[context]}") after one SGD step of ${eta.toFixed(3)} on ` +
      `-A log pi("${u.token}" | "${u.prompt}") with A = ${advantage.toFixed(2)}` +
      (Math.abs(eta * advantage) > FIRST_ORDER_LIMIT ? FIRST_ORDER_NOTE : "");
    get("dyn-hand-caption").textContent =
      `pi(. | "${u.prompt}") after a step of ${handEta.toFixed(2)} on its own logits, A = ${advantage.toFixed(2)}`;
  }

  function options(select, labels) {
    labels.forEach((label, i) => {
      const option = document.createElement("option");
      option.value = String(i);
      option.textContent = label;
      select.appendChild(option);
    });
  }

  function start() {
    const root = document.getElementById("dynamics-explorer");
    const data = window.DYNAMICS_DATA;
    if (!root || !data) return;
    options(root.querySelector("#dyn-update"), data.updates.map((u) => `"${u.token}" after "${u.prompt}"`));
    options(root.querySelector("#dyn-context"), data.contexts.map((c) => `"${c}"`));
    root.querySelector("#dyn-context").value = String(data.default_context);
    for (const input of root.querySelectorAll("input, select")) {
      input.addEventListener("input", () => redraw(root, data));
      input.addEventListener("change", () => redraw(root, data));
    }
    redraw(root, data);
    root.dataset.ready = "true";
  }

  window.dynamicsExplorer = { softmax, afterStep, byHand };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
