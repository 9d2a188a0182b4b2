"""The figure module draws every registered figure without touching global matplotlib state."""

import copy
import importlib
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure

from course_utils import figures


def test_draw_all_writes_every_registered_png(tmp_path):
    paths = figures.draw_all(tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{name}.png" for name in figures.FIGURES)
    for path in paths:
        assert path.exists(), f"{path.name} was not written"
        size = path.stat().st_size
        assert 10_000 < size < 150_000, f"{path.name} is {size} bytes; expected 10 KB to 150 KB"


def test_draw_all_accepts_a_subset_and_rejects_unknown_names(tmp_path):
    name = next(iter(figures.FIGURES))
    assert [p.name for p in figures.draw_all(tmp_path, [name])] == [f"{name}.png"]
    with pytest.raises(ValueError, match="unknown figure"):
        figures.draw_all(tmp_path, ["no_such_figure"])


@pytest.mark.parametrize("name", sorted(figures.FIGURES))
def test_each_figure_function_returns_a_figure(name):
    fig = figures.FIGURES[name]()
    assert isinstance(fig, Figure), f"{name} returned {type(fig).__name__}, not a matplotlib Figure"
    assert fig.axes, f"{name} has no axes"


def test_importing_and_drawing_leave_rcparams_unchanged(tmp_path):
    before = copy.deepcopy(dict(matplotlib.rcParams))
    importlib.reload(figures)
    figures.draw_all(tmp_path)
    after = dict(matplotlib.rcParams)
    changed = sorted(k for k in before if before[k] != after[k])
    assert not changed, f"drawing the figures changed rcParams: {changed}"


def test_command_line_draws_the_named_figures(tmp_path, capsys):
    figures.main(["--out", str(tmp_path), "01_sunspots"])
    assert (tmp_path / "01_sunspots.png").exists()
    assert "01_sunspots.png" in capsys.readouterr().out


def test_chapter_images_in_the_repository_all_have_a_drawing_function():
    images = Path(__file__).resolve().parents[1] / "images"
    drawn = {p.stem for p in images.glob("[0-9][0-9]_*.png")}
    orphans = drawn - set(figures.FIGURES)
    assert not orphans, f"images/ holds figures that course_utils.figures does not draw: {sorted(orphans)}"


def test_every_registered_figure_is_in_the_repository():
    images = Path(__file__).resolve().parents[1] / "images"
    missing = sorted(name for name in figures.FIGURES if not (images / f"{name}.png").exists())
    assert not missing, f"run `make figures`: images/ lacks {missing}"


def test_figure_names_start_with_their_chapter_module():
    import importlib
    import pkgutil

    chapters = [m.name for m in pkgutil.iter_modules(figures.__path__) if m.name.startswith("ch")]
    assert len(chapters) >= 5, f"expected one figures module per chapter, found {chapters}"
    for name in chapters:
        module = importlib.import_module(f"course_utils.figures.{name}")
        number = name[2:4]  # ch05 -> 05; a chapter split in two keeps its number: ch06_networks -> 06
        wrong = [fig for fig in module.FIGURES if not fig.startswith(f"{number}_")]
        assert not wrong, f"{name}.py registers figures of another chapter: {wrong}"


def test_clipping_figure_leaves_torch_random_state_alone():
    import torch

    from course_utils.figures import ch03

    state = torch.random.get_rng_state()
    ch03.clipping_runs.__wrapped__(T=5)  # uncached, short
    assert torch.equal(state, torch.random.get_rng_state())
