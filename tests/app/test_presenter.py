"""Presenter mode for a room: the QR code of the view's link, readable figures, the race
chart's colour bar clear of the loss axis, short export labels."""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from momentum_app.race.figures import race_figure
from momentum_app.studies.basin_figures import success_figure
from momentum_app.studies.theory_figures import figure_fonts, rate_map_figure
from momentum_app.ui import widgets
from momentum_core import get_objective
from tests.app.harness import component_args, page_at

QR_IMG = re.compile(r'<img src="data:image/png;base64,([^"]+)" alt="QR code: ([^"]+)"')


def scene_page(present: bool, scene: str | None = None) -> AppTest:
    return page_at("pages/scenes.py", {"scene": scene} if scene else {}, present=present)


def qr_of(at: AppTest) -> tuple[bytes, str]:
    """The QR code's PNG and the link in its alt text (the only st.html with a QR)."""
    found = [QR_IMG.search(h.proto.body) for h in at.get("html")]
    found = [m for m in found if m]
    assert len(found) == 1, "one QR code on the page"
    return base64.b64decode(found[0].group(1)), html.unescape(found[0].group(2))


def zbarimg() -> str | None:
    """Debian's zbarimg, installed with apt-get when missing and we are root."""
    if not shutil.which("zbarimg") and hasattr(os, "geteuid") and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "zbar-tools"], capture_output=True, timeout=300
        )
    return shutil.which("zbarimg")


def read_qr(reader: str, png: bytes, tmp_path: Path) -> str:
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    out = subprocess.run([reader, "--raw", "-q", str(path)], capture_output=True, text=True)
    return out.stdout.strip()


def test_lan_host_is_this_machines_first_non_loopback_ipv4():
    host = widgets.lan_host()
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", host)
    assert not host.startswith("127.") or all(a.startswith("127.") for a in _ipv4_addresses()), (
        "a non-loopback address exists, so it is the one to show"
    )


def _ipv4_addresses() -> list[str]:
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout
    return [a for a in out.split() if "." in a] or ["127.0.0.1"]


def test_presenter_qr_encodes_the_views_link_with_the_lan_host(tmp_path):
    at = scene_page(present=True, scene="faster")
    png, link = qr_of(at)
    host = widgets.lan_host()
    assert link.startswith(f"http://{host}:")
    code = at.session_state["_room"]
    assert link.endswith(f"/scenes?room={code}&follow=1")  # phones follow the presenter
    assert "present" not in link
    # The image is that link: regenerated, it is the same matrix ...
    assert base64.b64decode(widgets.qr_png(link).split(",", 1)[1]) == png
    # ... and a QR reader finds it (without zbarimg, the comparison above stands).
    if reader := zbarimg():
        assert read_qr(reader, png, tmp_path) == link


def test_the_qr_code_keeps_the_room_when_the_scene_changes():
    at = scene_page(present=True, scene="faster")
    _, before = qr_of(at)
    at.button(key="next_scene").click().run()
    _, link = qr_of(at)
    assert link == before and at.session_state.scene != "faster"  # the room follows it


def test_public_url_overrides_the_detected_host(monkeypatch):
    monkeypatch.setenv("MOMENTUM_PUBLIC_URL", "https://room.example:8443/momentum/")
    _, link = qr_of(scene_page(present=True, scene="faster"))
    assert link.startswith("https://room.example:8443/momentum/")
    assert link.endswith("/scenes?room=" + link.split("room=")[1])


def test_no_qr_code_outside_presenter_mode():
    at = scene_page(present=False)
    assert not [h for h in at.get("html") if QR_IMG.search(h.proto.body)]


def test_export_labels_are_short_with_help():
    at = scene_page(present=False)
    buttons = at.get("download_button")
    labels = [b.proto.label for b in buttons]
    talk = "Download this talk: every scene in one offline HTML file"
    assert labels == ["HTML", "GIF", "Trajectories CSV", talk]
    assert all(b.proto.help for b in buttons)


@pytest.mark.parametrize("size", [12, 14, 16, 20], ids=lambda s: f"{s}px")
def test_study_figures_keep_small_grey_ticks(size):
    # Not presenting, a large font still gets the usual grey ticks: presenter mode is an
    # argument, no longer guessed from the size (20 px was "presenting").
    fonts = figure_fonts(size, presenting=False)
    tick = fonts["xaxis"]["tickfont"]
    assert 12 <= tick["size"] <= 16 and tick["color"] == "#666"


def test_presenting_makes_even_a_small_font_large_and_dark():
    fonts = figure_fonts(14, presenting=True)
    assert fonts["xaxis"]["tickfont"] == {"size": 14, "color": "#111"}
    assert fonts["font"]["color"] == "#111"


def _bowl_map(font_size: int):
    alphas, betas = np.linspace(0.1, 2, 5), np.linspace(0, 0.9, 4)
    rates = np.full((4, 5), 0.9)
    return rate_map_figure(
        alphas, betas, rates, "t", lam_max=1.0, optima={}, font_size=font_size, presenting=True
    )


def test_presenter_figures_are_large_and_dark():
    study = type("S", (), {"momenta": np.array([0.0, 0.5]), "lrs": [0.01],
                           "high": np.ones((1, 2)), "low": np.zeros((1, 2)),
                           "rate": np.full((1, 2), 0.5)})()  # fmt: skip
    for fig in (_bowl_map(20), success_figure(study, font_size=20, presenting=True)):
        layout = fig.layout
        assert layout.font.size >= 18 and layout.font.color == "#111"
        for axis in (layout.xaxis, layout.yaxis):
            assert axis.tickfont.size >= 18 and axis.tickfont.color == "#111"
            assert axis.title.font.size >= 18


def test_race_colour_bar_title_runs_along_the_bar_clear_of_the_loss_axis():
    obj = get_objective("rosenbrock")
    spec = race_figure(obj, [("SGD", "#d55e00")], (-1.5, 2), 1000, (-6, 2))
    bar = spec["data"][0]["marker"]["colorbar"]
    layout = spec["layout"]
    assert bar["title"]["side"] == "right"
    assert layout["xaxis2"]["domain"][0] - bar["x"] >= 0.2  # room for bar, labels, title
    assert layout["xaxis2"]["tickangle"] == 0  # step labels never turn over "step"


@pytest.mark.parametrize("present", [False, True], ids=["desktop", "presenter"])
def test_the_race_is_told_presenter_mode_by_its_argument_not_the_pages_css(present):
    # One encoding of presenter mode: the race chart's argument (it fitted the screen by
    # reading a CSS variable of the app's page; the variable is gone).
    at = scene_page(present=present)
    (race,) = [a for a in component_args(at, "race_component") if a.get("role") == "race"]
    assert race["presenting"] is present
    css = [m.value for m in at.markdown if "<style>" in m.value]
    assert bool(css) is present  # the presenter's page CSS is there, without the variable
    assert not any("--race-fit-screen" in c for c in css)
