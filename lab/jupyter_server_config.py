"""JupyterLab settings for `make lab` (the Makefile puts this folder on JUPYTER_CONFIG_PATH).

- The lessons' py:percent twins (``notebooks/NN_topic.py``) are hidden from the file
  browser: students open the notebooks; contributors edit the twins in their editor.
- No "Jupyter news" pop-up and no update check (``settings/overrides.json``).
- nbgrader (which builds the exercises' student versions, ``make exercises``) is installed
  with its JupyterLab extensions; they are for grading a class and are switched off here.
- Opening and saving a lesson without changing a cell leaves its file as it is: JupyterLab
  refreshes the notebook's ``language_info`` and ``kernelspec`` from the running kernel (its
  Python version, its display name), which would otherwise modify a tracked file.
"""

from pathlib import Path

import nbformat

LAB = Path(__file__).resolve().parent
KERNEL_KEYS = ("language_info", "kernelspec", "jupytext")


def _cells(content) -> list:
    """A notebook's cells as nbformat writes them (without JupyterLab's "trusted" flag)."""
    cells = nbformat.from_dict(content)["cells"]
    for cell in cells:
        cell.metadata.pop("trusted", None)
    return cells


def keep_metadata_of_unchanged_notebooks(model, path, contents_manager, **kwargs):
    """Before a save: if no cell changed, keep the stored kernel metadata of the notebook."""
    if model.get("type") != "notebook" or not model.get("content"):
        return
    stored_path = Path(contents_manager.root_dir) / path.strip("/")
    if not stored_path.is_file():
        return
    try:
        stored = nbformat.read(stored_path, as_version=4)
    except Exception:  # an unreadable file is simply overwritten, as without this hook
        return
    if _cells(model["content"]) != _cells(stored):
        return
    metadata = model["content"].setdefault("metadata", {})
    for key in KERNEL_KEYS:
        if key in stored.metadata:
            metadata[key] = stored.metadata[key]
        else:
            metadata.pop(key, None)


c = get_config()  # noqa: F821 (defined by Jupyter when it loads this file)
c.FileContentsManager.pre_save_hook = keep_metadata_of_unchanged_notebooks
c.ContentsManager.hide_globs = [
    "__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "[0-9][0-9]_*.py",
]
c.LabApp.app_settings_dir = str(LAB / "settings")
c.ServerApp.jpserver_extensions = {
    f"nbgrader.server_extensions.{name}": False
    for name in ("formgrader", "validate_assignment", "assignment_list", "course_list")
}
