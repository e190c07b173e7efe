"""The course's own parts of the website (a Sphinx extension): the landing page's list of lessons, and on each
lesson page its downloads and a static stand-in for each widget.

- `{course-lessons}` lists every lesson in order: its title, what you will learn, its exercise files
  (all read from the notebooks by course_lessons).
- Under each lesson's title, a box links the notebook and the exercise files its last cell names: student files
  only, copied by Sphinx from notebooks/ and exercises/ (never anything from instructor/).
- A widget's sliders move only in a running notebook, so its output is replaced by the figure the widget drew
  for its starting values (kept in the executed notebook's widget state), with a note that says so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path

from course_lessons import LESSON_GLOB, Lesson, lessons
from docutils import nodes
from docutils.statemachine import StringList
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# ---------------------------------------------------------------- the landing page


class CourseLessons(SphinxDirective):
    """The lessons in order: title (a link), what you will learn, the exercise files."""

    def run(self) -> list[nodes.Node]:
        notebooks = self.env.srcdir / "notebooks"
        lines: list[str] = []
        for number, lesson in enumerate(lessons(notebooks), start=1):
            self.env.note_dependency(str(lesson.path))
            lines += [f"{number}. **{{doc}}`{lesson.title} <notebooks/{lesson.path.stem}>`**", ""]
            lines += [f"   - {goal}" for goal in lesson.goals] + [""]
            if lesson.exercises:
                files = ", ".join(f"`{name}`" for name in lesson.exercises)
                lines += [f"   Exercises: {files}", ""]
        container = nodes.container(classes=["course-lessons"])
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]), self.content_offset, container)
        return [container]


def index_outdated(app: Sphinx, env, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """A lesson added or removed changes the landing page's list (an edited one is a noted dependency)."""
    if any(doc.startswith("notebooks/") for doc in added | removed):
        return [env.config.root_doc]
    return []


# ---------------------------------------------------------------- the lesson pages


class LessonPage(SphinxTransform):
    """On a lesson's page: the download box under the title, and each widget replaced by its starting figure."""

    default_priority = 500  # after myst-nb has parsed the notebook, before Sphinx collects downloads and images

    def apply(self) -> None:
        source = Path(self.env.doc2path(self.env.docname))
        if source.suffix != ".ipynb" or not source.match(LESSON_GLOB):
            return
        lesson = Lesson.read(source)
        state = widget_state(self.env, self.env.docname)
        for bundle in list(self.document.findall(is_widget_bundle)):
            bundle.replace_self(self.static_widget(bundle, state))
        title = next(self.document.findall(nodes.section)).children[0]
        title.parent.insert(title.parent.index(title) + 1, self.download_box(lesson))

    def download_box(self, lesson: Lesson) -> nodes.Element:
        box = nodes.admonition(classes=["lesson-downloads", "tip"])
        box += nodes.title(text="Run this lesson yourself")
        files = nodes.paragraph()
        files += nodes.strong(text="Notebook: ")
        files += download(lesson.path.name, self.env.docname)
        if lesson.exercises:
            files += nodes.Text(" \N{MIDDLE DOT} ")
            files += nodes.strong(text="Exercises: ")
            for index, name in enumerate(lesson.exercises):
                files += nodes.Text(", " if index else "")
                files += download(f"../exercises/{name}", self.env.docname)
        box += files
        box += nodes.paragraph(
            text="This page shows the lesson already run. To run it yourself, keep the notebook in notebooks/ "
            "and the exercise files in exercises/ beside it (or clone the whole course), and open it in Jupyter."
        )
        if lesson.uses_widgets:
            box += nodes.paragraph(
                text="Its interactive parts (sliders, curves that redraw while training) move only in a running "
                "notebook; here each shows its figure for the starting values, or its last frame."
            )
        return box

    def static_widget(self, bundle: nodes.Element, state: dict) -> list[nodes.Node]:
        """The widget's own figure for its starting values, and a note that it moves in a running notebook."""
        view = next(child for child in bundle.children if child.get("mime_type") == WIDGET_VIEW)
        model_id = json.loads(re.search(r">(.*)</script>", view.astext(), re.S).group(1))["model_id"]
        models = reachable_models(state, model_id)
        sliders = [slider_label(m["state"]) for m in models if m.get("model_name", "").endswith("SliderModel")]
        images = [self.image(png) for png in widget_pngs(models)]
        controls = f"Moving the sliders ({', '.join(sliders)})" if sliders else "Using this widget"
        note = nodes.admonition(classes=["widget-note", "note"])
        note += nodes.title(text="Interactive in a running notebook")
        if images:
            text = (
                f"{controls} redraws the figure when the lesson runs in Jupyter; here it is drawn for the "
                "starting values."
            )
        else:  # a widget with no figure of its own, e.g. lesson 9's labeller
            text = f"{controls} needs the lesson running in Jupyter; a static page cannot run it."
        note += nodes.paragraph(text=text)
        return [*images, note]

    def image(self, png: bytes) -> nodes.image:
        """Write a figure next to myst-nb's own outputs and point an image node at it (Sphinx copies it)."""
        folder = Path(self.config.course_site_outputs)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"widget-{hashlib.sha256(png).hexdigest()[:16]}.png"
        path.write_bytes(png)
        uri = "/" + Path(os.path.relpath(path, self.env.srcdir)).as_posix()  # "/": relative to the source folder
        return nodes.image(uri=uri, alt="the widget's figure for its starting values", classes=["widget-figure"])


def download(target: str, docname: str) -> addnodes.download_reference:
    """A link that Sphinx copies into _downloads/ (a path relative to the page's source, like {download})."""
    name = Path(target).name
    ref = addnodes.download_reference("", "", reftarget=target, refdoc=docname, refexplicit=True, reftype="download")
    ref += nodes.literal(text=name, classes=["download"])
    return ref


def slider_label(state: dict) -> str:
    """The slider's label and starting value, e.g. "A = 1" (a selection slider shows its index)."""
    value = state.get("value", state.get("index"))
    return f"{state.get('description') or 'value'} = {value:g}" if isinstance(value, int | float) else "a slider"


def is_widget_bundle(node: nodes.Node) -> bool:
    return (
        isinstance(node, nodes.container)
        and node.get("nb_element") == "mime_bundle"
        and any(child.get("mime_type") == WIDGET_VIEW for child in node.children)
    )


def widget_state(env, docname: str) -> dict:
    """The widgets' saved state, taken off the page (it only feeds the widget JavaScript, which we do not load)."""
    js_files = NbMetadataCollector.get_js_files(env, docname)
    _, script = js_files.pop("ipywidgets_state", (None, {}))
    return json.loads(script["body"])["state"] if script.get("body") else {}


def reachable_models(state: dict, model_id: str) -> list[dict]:
    """The widget and every model it refers to ("IPY_MODEL_<id>" values), depth first."""
    seen, order, stack = set(), [], [model_id]
    while stack:
        current = stack.pop()
        if current in seen or current not in state:
            continue
        seen.add(current)
        order.append(state[current])
        refs = re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(state[current]["state"]))
        stack.extend(reversed(refs))
    return order


def widget_pngs(models: list[dict]) -> list[bytes]:
    """The PNG figures the widget's Output areas hold (what it drew when the lesson ran)."""
    return [
        base64.b64decode(output["data"]["image/png"])
        for model in models
        if model.get("model_name") == "OutputModel"
        for output in model["state"].get("outputs", [])
        if "image/png" in output.get("data", {})
    ]


# ---------------------------------------------------------------- wiring


def keep_outputs_in_build(app: Sphinx) -> None:
    """myst-nb writes the executed lessons and their figures beside the output folder (for site/: in the
    repository root), and has no setting for it; put them where conf.py says (build/site/) instead."""
    app.env.mystnb_config = app.env.mystnb_config.copy(output_folder=app.config.course_site_outputs)


def setup(app: Sphinx) -> dict:
    # conf.py's hashes of the library and of this extension: when either changes, Sphinx re-reads every page
    app.add_config_value("course_site_library", "", "env")
    app.add_config_value("course_site_extension", "", "env")
    app.add_config_value("course_site_outputs", "", "env")  # the executed lessons and their figures
    app.connect("builder-inited", keep_outputs_in_build, priority=600)  # after myst-nb's own (500)
    app.connect("env-get-outdated", index_outdated)
    app.add_directive("course-lessons", CourseLessons)
    app.add_transform(LessonPage)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
