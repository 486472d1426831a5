// The race's shapes on a canvas's 2D context: a run's path so far, the inspector's
// arrows, a question's marks and labels. Each draws on the context it is given, at the
// pixels it is given; nothing here reads the page. Needs RaceDecode (decode.js).
//
// A plot's axis A.x (A.y, A.x2, A.y2) is {off, len, px(v)}: its offset and length in
// pixels and the pixel of a value (race.js, axes()).
"use strict";
const RaceDraw = (() => {
  if (typeof RaceDecode === "undefined") throw new Error("drawing.js needs decode.js first");
  const D = RaceDecode;

  // Run m of a part (a path or a loss curve) up to step s (between two kept points, the
  // way there); returns the head's pixels.
  function polyline(c, part, m, s, xs, ys, X, Y) {
    const [i, frac] = D.locate(part, m, s), start = part.offsets[m];
    c.beginPath();
    c.moveTo(X(xs[start]), Y(ys[start]));
    for (let k = start + 1; k <= i; k++) c.lineTo(X(xs[k]), Y(ys[k]));
    let hx = xs[i], hy = ys[i];
    if (frac > 0) { hx += (xs[i + 1] - xs[i]) * frac; hy += (ys[i + 1] - ys[i]) * frac; }
    c.lineTo(X(hx), Y(hy));
    c.stroke();
    return [X(hx), Y(hy)];
  }

  // Clip to a plot's area.
  function clip(c, ax, ay) {
    c.beginPath(); c.rect(ax.off, ay.off, ax.len, ay.len); c.clip();
  }

  // An arrow from one point to another (data units), dashed as `dash`, on a white halo.
  // Returns its length in pixels (none drawn under half a pixel).
  function arrow(c, A, from, to, color, dash, width) {
    const x0 = A.x.px(from[0]), y0 = A.y.px(from[1]), x1 = A.x.px(to[0]), y1 = A.y.px(to[1]);
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (!(len > 0.5)) return 0;
    const head = Math.min(len * 0.45, 6 + width * 2), ux = (x1 - x0) / len, uy = (y1 - y0) / len;
    const path = () => {
      c.beginPath(); c.moveTo(x0, y0); c.lineTo(x1 - ux * head * 0.6, y1 - uy * head * 0.6); c.stroke();
    };
    const tip = () => {
      c.beginPath(); c.moveTo(x1, y1);
      c.lineTo(x1 - ux * head - uy * head * 0.5, y1 - uy * head + ux * head * 0.5);
      c.lineTo(x1 - ux * head + uy * head * 0.5, y1 - uy * head - ux * head * 0.5);
      c.closePath(); c.fill(); c.stroke();
    };
    c.lineCap = "round"; c.lineJoin = "round";
    c.setLineDash(dash); c.strokeStyle = "#fff"; c.lineWidth = width + 3; path();  // a halo
    c.setLineDash([]); c.fillStyle = "#fff"; c.lineWidth = 3; tip();
    c.setLineDash(dash); c.strokeStyle = color; c.lineWidth = width; path();
    c.setLineDash([]); c.fillStyle = color; c.strokeStyle = color; c.lineWidth = 1; tip();
    return len;
  }

  // --- a question's marks -----------------------------------------------------------
  //: More guesses than this are drawn as a density (one faint disc each), not as dots.
  const DENSE = 60;
  const MARK = {guess: "#E69F00", mine: "#D55E00", median: "#CC79A7", truth: "#F0E442"};

  // The marks' shapes, on any canvas: a guess's dot, a ring (one's own; dashed: not sent),
  // the median's ✕, the answer's ◆.
  const SHAPES = {
    dot(c, x, y, r) {
      c.fillStyle = MARK.guess; c.strokeStyle = "#000"; c.lineWidth = 1.5;
      c.beginPath(); c.arc(x, y, r, 0, 2 * Math.PI); c.fill(); c.stroke();
    },
    faint(c, x, y, r) {  // a density: overlapping faint discs darken where guesses crowd
      c.fillStyle = "rgba(230, 159, 0, 0.18)"; c.beginPath(); c.arc(x, y, r * 2.5, 0, 2 * Math.PI); c.fill();
    },
    ring(c, x, y, r, dash) {
      c.strokeStyle = MARK.mine; c.lineWidth = 3; c.setLineDash(dash ? [5, 4] : []);
      c.beginPath(); c.arc(x, y, r * 2.2, 0, 2 * Math.PI); c.stroke(); c.setLineDash([]);
      c.beginPath(); c.moveTo(x - r, y); c.lineTo(x + r, y); c.moveTo(x, y - r); c.lineTo(x, y + r); c.stroke();
    },
    cross(c, x, y, r) {
      const k = r * 1.6;
      c.strokeStyle = "#fff"; c.lineWidth = 7;
      c.beginPath(); c.moveTo(x - k, y - k); c.lineTo(x + k, y + k); c.moveTo(x + k, y - k); c.lineTo(x - k, y + k); c.stroke();
      c.strokeStyle = MARK.median; c.lineWidth = 4; c.stroke();
    },
    diamond(c, x, y, r) {
      const k = r * 2;
      c.fillStyle = MARK.truth; c.strokeStyle = "#000"; c.lineWidth = 2.5;
      c.beginPath(); c.moveTo(x, y - k); c.lineTo(x + k, y); c.lineTo(x, y + k); c.lineTo(x - k, y); c.closePath();
      c.fill(); c.stroke();
    },
  };

  // Every mark of a question (marks: {guesses, mine, median, truth}; guess: an unsent
  // guess or null) at the pixels where(p, what) gives, on canvas c: the guesses (dots, or a
  // density past DENSE; several on one place stacked by stack(p, k)), the unsent guess,
  // one's own, the median, the answer. Returns what was drawn, in pixels.
  function drawAll(c, marks, guess, where, r, stack) {
    const out = {guesses: 0, mine: null, truth: null, median: null, guess: null};
    const dense = marks.guesses.length > DENSE, seen = new Map();
    for (const g of marks.guesses) {
      const key = g.join(","), k = seen.get(key) || 0;
      seen.set(key, k + 1);
      const [x, y] = stack ? stack(where(g, "guess"), k) : where(g, "guess");
      (dense ? SHAPES.faint : SHAPES.dot)(c, x, y, r);
      out.guesses += 1;
    }
    const at = (p, what, shape, ...rest) => {
      const [x, y] = where(p, what);
      shape(c, x, y, r, ...rest);
      return [x, y];
    };
    if (guess) out.guess = at(guess, "mine", SHAPES.ring, true);
    if (marks.mine) out.mine = at(marks.mine, "mine", SHAPES.ring, false);
    if (marks.median) out.median = at(marks.median, "median", SHAPES.cross);
    if (marks.truth) out.truth = at(marks.truth, "truth", SHAPES.diamond);
    return out;
  }

  // A label by a point, kept inside the plot A (font: its size in pixels).
  function label(c, text, x, y, color, A, font) {
    c.font = `600 ${font}px system-ui, sans-serif`;
    const w = c.measureText(text).width;
    const tx = Math.min(Math.max(x + 14, A.x.off + 2), A.x.off + A.x.len - w - 2);
    const ty = Math.min(Math.max(y - 10, A.y.off + font), A.y.off + A.y.len - 4);
    c.lineWidth = 4; c.strokeStyle = "#fff"; c.fillStyle = color;
    c.strokeText(text, tx, ty); c.fillText(text, tx, ty);
  }

  // "n guesses", dark on a white halo.
  function countText(c, n, x, y, size) {
    const text = `${n} guess${n === 1 ? "" : "es"}`;
    c.font = `700 ${size}px system-ui, sans-serif`;
    c.lineWidth = 5; c.strokeStyle = "#fff"; c.fillStyle = "#000";
    c.strokeText(text, x, y); c.fillText(text, x, y);
  }

  // How many guesses share each place (a β, a cell): key -> count.
  function counts(guesses) {
    const n = new Map();
    for (const g of guesses) n.set(g.join(","), (n.get(g.join(",")) || 0) + 1);
    return n;
  }

  // Marks at pixel positions xs that would cover each other, merged: the two nearest
  // neighbours (by their groups' centres) join while they are less than `gap` px apart, so
  // that every group drawn stands `gap` or more from the next. Returns the groups left to
  // right, {x: their members' mean, n: how many, first, last}.
  function groups(xs, gap) {
    const out = [...xs].sort((a, b) => a - b).map((x) => ({sum: x, n: 1, first: x, last: x}));
    const centre = (g) => g.sum / g.n;
    for (;;) {
      let k = -1, near = gap;
      for (let i = 0; i + 1 < out.length; i++) {
        const d = centre(out[i + 1]) - centre(out[i]);
        if (d < near) { near = d; k = i; }
      }
      if (k < 0) break;
      const [a, b] = out.splice(k, 2);
      out.splice(k, 0, {sum: a.sum + b.sum, n: a.n + b.n, first: a.first, last: b.last});
    }
    return out.map((g) => ({x: centre(g), n: g.n, first: g.first, last: g.last}));
  }

  // A group's count over its dot: the number, dark on a white halo, centred at x with its
  // foot at y.
  function countBadge(c, n, x, y, size) {
    c.font = `700 ${size}px system-ui, sans-serif`;
    c.textAlign = "center"; c.textBaseline = "alphabetic";
    c.lineWidth = 4; c.strokeStyle = "#fff"; c.fillStyle = "#000";
    c.strokeText(String(n), x, y); c.fillText(String(n), x, y);
    c.textAlign = "start";
  }

  return {polyline, clip, arrow, DENSE, MARK, SHAPES, drawAll, label, countText, counts,
          groups, countBadge};
})();
if (typeof module !== "undefined") module.exports = RaceDraw;
