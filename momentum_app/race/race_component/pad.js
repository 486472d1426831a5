// The (α, β) pad's colours and key, and the keys of the chart's grids (the pad, the
// starts, a page's map, a guess on the landscape): pure functions, no DOM. Needs nothing.
//
// One scale, as the sweep's map (studies/sweep_figures.py, the same colours): runs that got
// within the tolerance by their steps to it (yellow fast, purple slow), runs that did not by
// how far they got, log10 of their final f − f* (light grey just short, darker farther),
// diverged runs dark red. A set of runs (decode.js, unpackRuns) has runs, diverged (the
// step, or −1), tolStep (the step it got within the tolerance, or −1) and finalGap.
"use strict";
const RacePad = (() => {
  const RAMP = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"];  // fast -> slow
  const GREYS = ["#e0e0e0", "#8a8a8a"];  // just short of the tolerance -> far from f*
  const DIVERGED = "#3b0a0a";

  // The colour at t in [0, 1] (clamped) along the stops, as "rgb(r,g,b)".
  function ramp(t, stops = RAMP) {
    const x = Math.max(0, Math.min(1, t)) * (stops.length - 1), i = Math.min(Math.floor(x), stops.length - 2);
    const c = (hex, k) => parseInt(hex.slice(1 + 2 * k, 3 + 2 * k), 16);
    const mix = (k) => Math.round(c(stops[i], k) + (c(stops[i + 1], k) - c(stops[i], k)) * (x - i));
    return `rgb(${mix(0)},${mix(1)},${mix(2)})`;
  }

  // The pad's ranges: steps to the tolerance of the runs that got there, and log10 of the
  // final gap of those that did not (from the tolerance to the farthest, a decade at least).
  function ranges(set, tolerance) {
    let lo = Infinity, hi = -Infinity, far = -Infinity, reached = 0, missed = 0;
    for (let m = 0; m < set.runs; m++) {
      if (set.diverged[m] >= 0) continue;
      const k = set.tolStep[m];
      if (k >= 0) { reached += 1; lo = Math.min(lo, k); hi = Math.max(hi, k); }
      else if (Number.isFinite(set.finalGap[m])) { missed += 1; far = Math.max(far, Math.log10(set.finalGap[m])); }
    }
    const near = Math.log10(tolerance);
    return {lo, hi, reached, missed, near, far: Math.max(far, near + 1)};
  }

  // Run m's colour on the scale of r (from ranges()).
  function cellColor(set, m, r) {
    if (set.diverged[m] >= 0) return DIVERGED;
    const k = set.tolStep[m];
    if (k < 0) {  // not reached: grey by the final gap the core computed
      return ramp((Math.log10(Math.max(set.finalGap[m], 1e-300)) - r.near) / (r.far - r.near), GREYS);
    }
    const span = Math.log(Math.max(r.hi, r.lo + 1)) - Math.log(Math.max(r.lo, 1));
    return ramp(span > 0 ? (Math.log(Math.max(k, 1)) - Math.log(Math.max(r.lo, 1))) / span : 0);
  }

  // The key's two lines (tol: the tolerance as the page writes it), and whether the
  // second one (the runs that missed) has anything to say.
  function keyText(r, tol) {
    const power = (t) => (t >= -2 && t <= 2 ? String(Number((10 ** t).toPrecision(2))) : `1e${Math.round(t)}`.replace("-", "−"));
    const count = (v) => Math.round(v).toLocaleString("en-US");
    return {
      reached: r.reached
        ? `${count(r.lo)}${r.hi > r.lo ? " to " + count(r.hi) : ""} steps to f\u00a0−\u00a0f* < ${tol}`
        : `none got to f\u00a0−\u00a0f* < ${tol}`,
      missed: `not reached: f\u00a0−\u00a0f* ${power(r.near)} to ${power(Math.ceil(r.far))} at the end`,
      showMissed: r.missed > 0,
    };
  }

  // The cell (i, j) of an nA x nB grid drawn in box (a DOMRect) under the point (x, y);
  // j = 0 at the bottom. Points outside take the nearest edge cell.
  function cellAt(box, x, y, nA, nB) {
    const i = Math.floor((x - box.left) / box.width * nA);
    const j = Math.floor((box.bottom - y) / box.height * nB);
    return [Math.max(0, Math.min(nA - 1, i)), Math.max(0, Math.min(nB - 1, j))];
  }

  // --- a grid's keys: one cell an arrow (with Shift LEAP), Home and End the row's ends
  // (with Ctrl the grid's first and last cells). j grows upwards (β, y), as on screen.
  const MOVES = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]};
  //: Cells one Shift+arrow moves.
  const LEAP = 5;

  // Where the key moves the cell at = [i, j, columns, rows]: [i, j], or null for a key
  // that does not move.
  function gridStep(at, key, {shift = false, ctrl = false} = {}) {
    const [i, j, n, rows] = at, clamp = (v, most) => Math.max(0, Math.min(most - 1, v));
    if (key === "Home") return ctrl ? [0, 0] : [0, j];
    if (key === "End") return ctrl ? [n - 1, rows - 1] : [n - 1, j];
    const move = ctrl ? null : MOVES[key];
    if (!move) return null;
    const k = shift ? LEAP : 1;
    return [clamp(i + move[0] * k, n), clamp(j + move[1] * k, rows)];
  }

  return {RAMP, GREYS, DIVERGED, ramp, ranges, cellColor, keyText, cellAt, MOVES, LEAP, gridStep};
})();
if (typeof module !== "undefined") module.exports = RacePad;
