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

  // Where v lies among ascending values, in index units (between two, in proportion; on
  // a log axis, in proportion of the logs): a median guess between a grid's cells.
  function fracIndex(values, v, log) {
    const f = log ? Math.log : (x) => x, n = values.length;
    if (n < 2 || v <= values[0]) return 0;
    if (v >= values[n - 1]) return n - 1;
    let i = 0;
    while (values[i + 1] < v) i++;
    return i + (f(v) - f(values[i])) / (f(values[i + 1]) - f(values[i]));
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

  // --- the step inspector: the core's exact numbers (race/inspect_data.py), looked up and
  // formatted, never computed from one another (no update is re-derived here) ------------
  function unpackInspect(d) {
    if (!d || d.reason) return d || null;  // none, or why none
    const f = (text) => typed(text, Float64Array), each = (o) => {
      const out = {};
      for (const [k, v] of Object.entries(o || {})) out[k] = f(v);
      return out;
    };
    return {key: d.key, rule: d.rule, hyper: d.hyper, noise: d.noise || 0, steps: d.steps,
            updates: d.updates, diverged: d.diverged, x: f(d.x), g: f(d.g), step: f(d.step),
            states: each(d.states), terms: each(d.terms), betas: d.betas ? f(d.betas) : null};
  }

  // Update s + 1 of an inspection: the one that leaves the point shown at step s. Its
  // status: "ok", "end" (the run has no more steps) or "diverged" (this update, or an
  // earlier one, left the finite region: the core shipped no numbers for it).
  function inspectAt(ins, s) {
    s = Math.floor(s);
    if (s >= ins.steps) return {status: "end", shown: s};
    const u = s + 1;
    if (u > ins.updates) return {status: "diverged", shown: s, diverged: ins.diverged};
    const two = (a, i) => [a[2 * i], a[2 * i + 1]], i = u - 1;
    const pick = (arrays, row) => {
      const out = {};
      for (const [k, a] of Object.entries(arrays)) out[k] = two(a, row);
      return out;
    };
    const h = ins.hyper;
    return {status: "ok", shown: s, u, x: two(ins.x, s), next: two(ins.x, u), g: two(ins.g, i),
            dx: two(ins.step, i), before: pick(ins.states, s), after: pick(ins.states, u),
            terms: pick(ins.terms, i), alpha: h.learning_rate,
            beta: ins.betas ? ins.betas[i] : h.momentum};
  }

  // The arrows at the point, in data units: each term of the step as the core computed it.
  const ARROW_NAMES = {grad: "gradient step −α·g", carry: "carried velocity", step: "step taken"};
  function inspectArrows(ins, at) {
    const out = [{kind: "grad", vec: at.terms.grad_step}];
    if (at.terms.carry) out.push({kind: "carry", vec: at.terms.carry});
    out.push({kind: "step", vec: at.dx});
    return out;
  }

  // The factor arrows are drawn at: 1 while the longest is lo to hi pixels long, else a
  // round number (1, 2 or 5 times a power of ten) that brings it inside.
  function arrowScale(longestPx, lo, hi) {
    if (!(longestPx > 0) || !isFinite(longestPx)) return 1;
    if (longestPx >= lo && longestPx <= hi) return 1;
    const raw = longestPx < lo ? lo / longestPx : hi / longestPx;
    const p = 10 ** Math.floor(Math.log10(raw)), steps = [1, 2, 5, 10];
    if (longestPx < lo) return p * steps.find((k) => p * k >= raw * (1 - 1e-12));
    return p * [...steps].reverse().find((k) => p * k <= raw * (1 + 1e-12));
  }

  // The arrows' end points in data units at factor k: the point plus k times each term.
  function arrowEnds(ins, at, k) {
    return inspectArrows(ins, at).map((a) => ({
      kind: a.kind, from: at.x, to: [at.x[0] + k * a.vec[0], at.x[1] + k * a.vec[1]],
      length: Math.hypot(a.vec[0], a.vec[1])}));
  }

  // A number with four significant digits and a true minus; a pair as (x, y).
  function num(v) { return sig(v, 4).replace(/^-/, "−").replace("e-", "e−"); }
  function vec(p) { return `(${num(p[0])}, ${num(p[1])})`; }

  // Update at.u of an inspection in the rule's own (torch's) form, as the guide writes it,
  // with the core's numbers filled in: lines of HTML.
  function inspectLines(ins, at) {
    const a = num(at.alpha), b = at.beta == null ? "" : num(at.beta), h = ins.hyper;
    const g = vec(at.g), x = vec(at.x), next = vec(at.next);
    const pre = at.before, post = at.after, t = at.terms;
    const seen = ins.noise > 0 ? "g = ∇f(x) + noise" : "g = ∇f(x)";
    const lines = [`${seen} = ${g}`];
    if (ins.rule === "sgd") {
      lines.push(`x ← x − α·g = ${x} − ${a}·${g} = ${next}`);
    } else if (ins.rule === "momentum") {
      lines.push(`b ← β·b + g = ${b}·${vec(pre.b)} + ${g} = ${vec(post.b)}`);
      lines.push(`x ← x − α·b = ${x} − ${a}·${vec(post.b)} = ${next}`);
    } else if (ins.rule === "nesterov") {
      lines.push(`b ← β·b + g = ${b}·${vec(pre.b)} + ${g} = ${vec(post.b)}`);
      lines.push(`x ← x − α·(g + β·b) = ${x} − ${a}·(${g} + ${b}·${vec(post.b)}) = ${next}`);
    } else if (ins.rule === "keras-momentum") {
      lines.push(`v ← β·v − α·g = ${b}·${vec(pre.v)} − ${a}·${g} = ${vec(post.v)}`);
      lines.push(`x ← x + v = ${x} + ${vec(post.v)} = ${next}`);
    } else if (ins.rule === "adam") {
      const b1 = num(h.beta1), b2 = num(h.beta2);
      lines.push(`m ← β₁·m + (1 − β₁)·g = ${b1}·${vec(pre.m)} + (1 − ${b1})·${g} = ${vec(post.m)}`);
      lines.push(`v ← β₂·v + (1 − β₂)·g² = ${b2}·${vec(pre.v)} + (1 − ${b2})·${g}² = ${vec(post.v)}`);
      lines.push(`m̂ = m / (1 − β₁^${at.u}) = ${vec(t.m_hat)}, v̂ = v / (1 − β₂^${at.u}) = ${vec(t.v_hat)}`);
      lines.push(`x ← x − α·m̂ / (√v̂ + ε) = ${x} − ${a}·${vec(t.m_hat)} / ${vec(t.denom)} = ${next}`);
    } else if (ins.rule === "rmsprop") {
      const s = num(h.alpha);
      lines.push(`v ← a·v + (1 − a)·g² = ${s}·${vec(pre.v)} + (1 − ${s})·${g}² = ${vec(post.v)}`);
      lines.push(`x ← x − α·g / (√v + ε) = ${x} − ${a}·${g} / ${vec(t.denom)} = ${next}`);
    } else if (ins.rule === "adagrad") {
      lines.push(`s ← s + g² = ${vec(pre.s)} + ${g}² = ${vec(post.s)}`);
      lines.push(`x ← x − α·g / (√s + ε) = ${x} − ${a}·${g} / ${vec(t.denom)} = ${next}`);
    }
    return lines;
  }

  // The arrows' true lengths, and what each one is, for the panel.
  function arrowWords(ins, at) {
    const carry = {momentum: "−α·β·b (carried velocity)", nesterov: "−α·β·b (momentum's look-ahead)",
                   "keras-momentum": "β·v (carried velocity)"}[ins.rule];
    if (ins.rule === "sgd") {  // its step is its gradient step: one arrow, said once
      return [{kind: "step", text: `step taken = −α·g (gradient step) ${vec(at.dx)}, length ${num(Math.hypot(...at.dx))}`}];
    }
    return inspectArrows(ins, at).map((arrow) => {
      const what = arrow.kind === "grad" ? "−α·g (gradient step)"
        : arrow.kind === "carry" ? carry : "step taken";
      return {kind: arrow.kind, text: `${what} ${vec(arrow.vec)}, length ${num(Math.hypot(...arrow.vec))}`};
    });
  }

  return {unpackInspect, inspectAt, inspectArrows, arrowScale, arrowEnds, inspectLines,
          arrowWords, ARROW_NAMES, num, vec,
          LEVELS, typed, scale, unpackRuns, locate, pointAt, nearestIndex, fracIndex, fmtBeta, fmtAlpha, fmt,
          fill, readout, fmtTol, ink, gapAt, standings};
})();
if (typeof module !== "undefined") module.exports = RaceDecode;
