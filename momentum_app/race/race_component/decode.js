// Decoding the race's data and finding points in it: pure functions, no DOM, shared by
// the race page and its tests (loaded as a plain script in the browser, or required).
"use strict";
const RaceDecode = (() => {
  //: Coordinates travel as 16-bit fractions of the screen's ranges (race_data.Screen).
  const LEVELS = 65535;

  function typed(text, Type) {
    const bin = atob(text);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Type(bytes.buffer);
  }

  // Levels back to numbers, as race_data.Screen.decoded computes them.
  function scale(levels, range) {
    const [lo, hi] = range, k = (hi - lo) / LEVELS, out = new Float64Array(levels.length);
    for (let i = 0; i < levels.length; i++) out[i] = lo + levels[i] * k;
    return out;
  }

  // One set of runs (race_data.runs_data): paths in data units, loss curves in log10 gaps.
  function unpackRuns(d, screen, wide) {
    const Steps = wide ? Uint32Array : Uint16Array;
    const part = (p, cols) => {
      const out = {offsets: typed(p.offsets, Uint32Array), steps: typed(p.steps, Steps)};
      for (const [name, axis] of cols) out[name] = scale(typed(p[name], Uint16Array), screen[axis]);
      return out;
    };
    return {
      runs: d.runs,
      path: part(d.path, [["x", "x"], ["y", "y"]]),
      loss: part(d.loss, [["gap", "gap"]]),
      diverged: typed(d.diverged, Int32Array),
      tolStep: typed(d.tolStep, Int32Array),
      finalGap: typed(d.finalGap, Float64Array),
      outcome: typed(d.outcome, Uint8Array),
      outcomeStep: typed(d.outcomeStep, Int32Array),
      minimum: typed(d.minimum, Uint16Array),
    };
  }

  // The last kept point of run m at or before step s, and the fraction towards the next.
  function locate(part, m, s) {
    const lo = part.offsets[m], hi = part.offsets[m + 1] - 1;
    let a = lo, b = hi;
    while (a < b) { const mid = (a + b + 1) >> 1; if (part.steps[mid] <= s) a = mid; else b = mid - 1; }
    if (a >= hi) return [a, 0];
    const s0 = part.steps[a], s1 = part.steps[a + 1];
    return [a, Math.max(0, Math.min(1, (s - s0) / (s1 - s0)))];
  }

  // Run m's point at step s (between kept points: on the line joining them).
  function pointAt(part, xs, ys, m, s) {
    const [i, frac] = locate(part, m, s);
    if (frac === 0) return [xs[i], ys[i]];
    return [xs[i] + (xs[i + 1] - xs[i]) * frac, ys[i] + (ys[i + 1] - ys[i]) * frac];
  }

  // A phrase of momentum_core.outcome.PHRASES with its fields filled in.
  function fill(template, fields) {
    return template.replace(/\{(\w+)\}/g, (_, name) => fields[name]);
  }

  // What the readout says of run m of a set at step s: the run's end in the outcome's
  // words once it has got there (its outcome step; the last step for a run still moving),
  // before that the gap it has: the kept point of its loss curve at or before s, with that
  // point's own step (between kept points the drawn curve is a line, not the run's value).
  function readout(outcomes, set, m, s, steps, tolerance) {
    const kind = outcomes.kinds[set.outcome[m]], step = set.outcomeStep[m];
    const count = (n) => n.toLocaleString("en-US");
    const end = step >= 0 ? step : steps;
    if (s < end) {
      const [i] = locate(set.loss, m, s), gap = 10 ** set.loss.gap[i];
      const value = gap <= outcomes.gapFloor * 1.0001 ? `≤ ${fmtTol(outcomes.gapFloor)}` : `= ${sig(gap, 3)}`;
      return {end: false, text: `f − f* ${value} at step ${count(set.loss.steps[i])}`};
    }
    const key = kind === "stuck" && step < 0 ? "settling" : kind;
    const point = outcomes.minima[set.minimum[m]];  // none where no minimum is known
    const where = point ? `(${fmt(point[0])}, ${fmt(point[1])})` : "(unknown)";
    const fields = {tol: fmtTol(tolerance), step: count(step), where,
                    gap: fmt(set.finalGap[m]), steps: count(steps)};
    return {end: true, text: fill(outcomes.phrases[key], fields)};
  }

  // A racer's colour as text on white: darkened until it reads at WCAG AA's 4.5:1 (the
  // orange of the colour-blind-safe palette is 3.1:1), its hue kept.
  function ink(hex) {
    const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const lum = (c) => {
      const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    let c = rgb;
    for (let k = 1; 1.05 / (lum(c) + 0.05) < 4.5 && k < 40; k++) c = rgb.map((v) => Math.round(v * (1 - k * 0.025)));
    return "#" + c.map((v) => v.toString(16).padStart(2, "0")).join("");
  }

  // Run m's gap f − f* at its kept point at or before step s (as the readout says it).
  function gapAt(set, m, s) {
    return 10 ** set.loss.gap[locate(set.loss, m, s)[0]];
  }

  // The race in one sentence for a screen reader: the step, who leads (the smallest gap
  // now), and what each racer has. entries: [{label, said (readout's), gap}].
  function standings(entries, s, steps) {
    const count = (n) => n.toLocaleString("en-US");
    if (!entries.length) return "";
    let lead = entries[0];
    for (const e of entries) if (e.gap < lead.gap) lead = e;
    const each = entries.map((e) => `${e.label}: ${e.said.text}.`).join(" ");
    const who = entries.length > 1 ? ` ${lead.label} leads.` : "";
    return `Step ${count(s)} of ${count(steps)}.${who} ${each}`;
  }

  // A tolerance as the readout writes it: 1e−6.
  function fmtTol(v) { return Number(v).toExponential().replace("e-", "e−").replace("e+", "e"); }

  function nearestIndex(values, v) {
    let best = 0;
    for (let i = 1; i < values.length; i++) if (Math.abs(values[i] - v) < Math.abs(values[best] - v)) best = i;
    return best;
  }

  // Numbers as the app's sidebar shows them: β with two decimals (more when it needs
  // them), α with four significant digits, other values three, like Python's :.3g.
  function fmtBeta(b) { return Number(b.toFixed(2)) === b ? b.toFixed(2) : String(Number(b.toFixed(3))); }
  function sig(v, digits) {
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1e-4 && a < 1e6) return String(Number(v.toPrecision(digits)));
    return v.toExponential(digits - 1).replace(/\.?0+e/, "e").replace("e+", "e");
  }
  const fmtAlpha = (v) => sig(v, 4), fmt = (v) => sig(v, 3);

  return {LEVELS, typed, scale, unpackRuns, locate, pointAt, nearestIndex, fmtBeta, fmtAlpha, fmt,
          fill, readout, fmtTol, ink, gapAt, standings};
})();
if (typeof module !== "undefined") module.exports = RaceDecode;
