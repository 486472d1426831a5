// The chart's layout for its width (and, when presenting or in a talk file, the room the
// screen leaves it): pure functions of numbers race.js measures, no DOM. Needs nothing.
//
// Below NARROW px the plots stack: landscape on top at full width, the colour bar lying
// under it, the loss plot below. Wider, the loss plot starts where the colour bar's
// labels end. Only domains, margins and the colour bar move: the overlay reads the axes'
// _offset/_length on every frame, so it follows.
"use strict";
const RaceLayout = (() => {
  const NARROW = 700;
  //: Beside a map the race has less room: it stays side by side down to this width.
  const NARROW_BESIDE_MAP = 500;
  //: The plots' least height when the chart fits the screen (presenting): a scene with a
  //: long caption and a three-row legend left its landscape 119 px.
  const MIN_PLOT = 250;

  // What the chart's layout is made from (before the first draw): the figure's font,
  // height, margins, loss title, hover mode and legend names.
  function base(figure) {
    const L = figure.layout;
    return {font: (L.font && L.font.size) || 14, height: L.height || 540,
            lossTitle: L.yaxis2.title.text, hovermode: L.hovermode ?? "closest",
            margin: Object.assign({l: 60, r: 20, t: 40, b: 50}, L.margin),
            legendItems: figure.data.filter((t) => t.showlegend !== false && t.name).map((t) => String(t.name))};
  }

  // The chart's height. fit: null (its own height), or the room left for it, in pixels:
  // {left, window: true} in a talk file (the window's), {left} when presenting in the app
  // (the screen's under the frame, the scene buttons' room kept): it takes what is left,
  // up to 1.6 (1.5) times its own height, but presenting never less than `least` (the
  // buttons give way then, the clicker's keys still step).
  function fitHeight(height, least, fit) {
    if (!fit) return height;
    if (fit.window) return Math.round(Math.max(280, Math.min(1.6 * height, fit.left)));
    return Math.round(Math.max(least, Math.min(1.5 * height, fit.left)));
  }

  // A point question before its reveal (ask): no hover label, which covered a phone's
  // guess, and on a phone (wide false) no empty loss plot.
  function asking(ask, hovermode, wide) {
    const shown = wide || !ask;
    return {hovermode: ask ? false : hovermode, "xaxis2.visible": shown, "yaxis2.visible": shown};
  }

  // The layout (plotly paths -> values), colour bar and a key (the same key: nothing to
  // redo) for a chart `width` px wide. shape: {base (from base()), bar (the colour bar as
  // given), legend (the legend's drawn height, or null)}; env: {narrow (the width below
  // which the plots stack), steps, ask (a question's mode, or ""), fit (see fitHeight),
  // screen (a talk file stacked on a phone: {height, bar}, the window's height and the
  // scene bar's; else null)}.
  function shapeFor(width, shape, env) {
    const b = shape.base, font = b.font, big = Math.max(11, Math.round(font * 0.9));
    const l = b.margin.l, r = b.margin.r;
    const plotW = Math.max(100, width - l - r);
    const layout = {}, bar = Object.assign({}, shape.bar);
    if (width >= env.narrow) {
      const top = Math.max(b.margin.t, Math.round(font * 2.5 + 10));
      // plotly widens the top margin to a legend of several rows (measured: fitLegend)
      const above = Math.max(top, (shape.legend ?? 0) + 0.7 * font + 14);
      const height = fitHeight(b.height, Math.max(280, above + b.margin.b + MIN_PLOT), env.fit);
      // colour bar 12 px, its tick labels, its title along it, then the loss axis'
      // tick labels (10^k) and title (the loss axis' labels stand 0.45 font off: figures.py)
      const beside = 12 + 2.6 * big + 1.6 * big + 3.45 * font + 1.8 * font + 16;
      // The landscape takes 53 % of the width, less where the loss plot would get under a
      // fifth (beside a map on a projector it started at 80 %, and its axis title met the
      // colour bar's).
      const land = Math.max(0.3, Math.min(0.53, 0.8 - beside / plotW - 0.015));
      const clear = (land + 0.015) * plotW + beside;
      // Ticks as many as their labels fit: a projector's short plots and a narrow loss plot
      // printed "0 100200300400", stacked 10^k labels and colour-bar ticks into each other.
      const x2 = plotW * (1 - Math.min(0.8, clear / plotW)), plotH = height - above - b.margin.b;
      const digits = String(env.steps || 1000).length;
      const fit = (room, each, most) => Math.max(2, Math.min(most, Math.floor(room / each)));
      Object.assign(layout, {
        // The legend row above the plot, clear of the y axis' top tick label (half a line
        // above the plot), and a top margin with room for both.
        height, "margin.t": top, "margin.b": b.margin.b,
        "legend.y": 1 + (0.7 * font + 4) / Math.max(100, height - top - b.margin.b),
        "xaxis.domain": [0, land], "yaxis.domain": [0, 1],
        "xaxis2.domain": [Math.min(0.8, clear / plotW), 1], "yaxis2.domain": [0, 1],
        "xaxis2.nticks": Math.max(3, fit(x2, font * (0.6 * digits + 1.6), 5)),
        // (a log axis within one decade labels 20, 30, ... 70: its top labels crowd)
        "yaxis2.nticks": fit(plotH, font * 3.2, 10),
        "yaxis2.title.text": b.lossTitle, "legend.x": 0, ...asking(env.ask, b.hovermode, true),
      });
      Object.assign(bar, {orientation: "v", x: land + 0.015, xanchor: "left", y: 0.5, yanchor: "middle",
                          len: 1, thickness: 12, nticks: fit(plotH, big * 2.2, 8),
                          title: Object.assign({}, bar.title, {side: "right"})});
      const given = shape.bar;  // decades (10^k) as given, every other one on a short bar
      if (given.tickvals && given.tickvals.length > bar.nticks) {
        const every = Math.ceil(given.tickvals.length / bar.nticks);
        const keep = (_, i) => i % every === 0;
        Object.assign(bar, {tickvals: given.tickvals.filter(keep), ticktext: given.ticktext.filter(keep)});
      }
      return {layout, bar, key: `wide-${height}-${Math.round(plotW / 4)}-${env.ask}`};
    }
    const land = Math.min(plotW, 420);
    const axisRoom = 4.2 * font + 8;            // the landscape's x tick labels and title
    const barRoom = 1.5 * big + 10 + 1.5 * big;  // bar title, bar, its tick labels
    const gap = axisRoom + barRoom + 1.2 * font + 12;
    // Asked where a run stops, the loss plot is empty until the reveal: no room for it.
    let loss = env.ask ? 0 : Math.max(200, Math.round(land * 0.6));
    // The legend sits 2 % of the plots' height above them: a row per name until drawn, then
    // (a talk file) the height plotly gave it: two columns when the names are short.
    const rows = shape.legend ?? b.legendItems.length * font * 1.55;
    const top = Math.round(rows + (shape.legend == null ? 12 : 0.02 * (land + gap + loss) + 6));
    if (env.screen) {  // a talk file on a phone: the whole chart on one screen,
      // above the page's bottom padding (the scene bar's room); the loss plot gives way
      const room = env.screen.height - env.screen.bar - 8 - (top + land + gap + b.margin.b);
      if (!env.ask) loss = Math.max(120, Math.min(loss, Math.round(room)));
    }
    const plotH = land + gap + loss;
    Object.assign(layout, {
      height: Math.round(top + plotH + b.margin.b), "margin.t": top, "margin.b": b.margin.b,
      "xaxis.domain": [0, 1], "yaxis.domain": [(loss + gap) / plotH, 1],
      "xaxis2.domain": [0, 1], "yaxis2.domain": [0, Math.max(loss, 1) / plotH], "xaxis2.nticks": 4,
      // the legend from the left edge (over the y axis' margin): long labels fit
      "yaxis2.title.text": "f − f*  (log)", "legend.x": -(l - 4) / plotW, ...asking(env.ask, b.hovermode, false),
    });
    Object.assign(bar, {orientation: "h", x: 0.5, xanchor: "center",
                        // y is the bar's top: its title sits above it
                        y: (loss + gap - axisRoom - 1.5 * big - 4) / plotH, yanchor: "top",
                        len: 1, thickness: 10,
                        title: Object.assign({}, bar.title, {side: "top"})});
    return {layout, bar, key: `narrow-${Math.round(plotW / 4)}-${loss}-${top}`};
  }

  // obj with the value at a dotted path ("margin.t"), each object on the way copied.
  function setPath(obj, path, value) {
    const keys = path.split(".");
    let o = obj;
    for (const k of keys.slice(0, -1)) o = o[k] = Object.assign({}, o[k]);
    o[keys[keys.length - 1]] = value;
  }

  // A talk file's type for a window w x h: it grows with the window (1 at 800 px high); on
  // a phone (the plots stacked) it is read at arm's length, a sixth smaller.
  const fontScale = (w, h) => (w < NARROW ? 5 / 6 : Math.max(1, h / 800));

  // Every font of the figure times k, once (figure.scaled).
  function scaleFonts(figure, k) {
    if (k === 1 || figure.scaled) return;
    figure.scaled = true;
    const grow = (font) => { if (font && font.size) font.size = Math.round(font.size * k); };
    const L = figure.layout;
    grow(L.font); grow(L.legend && L.legend.font);
    for (const name of ["xaxis", "yaxis", "xaxis2", "yaxis2"]) {
      if (!L[name]) continue;
      grow(L[name].tickfont); grow(L[name].title && L[name].title.font);
    }
    for (const trace of figure.data) {
      const bar = trace.marker && trace.marker.colorbar;
      if (bar) { grow(bar.tickfont); grow(bar.title && bar.title.font); }
    }
  }

  return {NARROW, NARROW_BESIDE_MAP, MIN_PLOT, base, fitHeight, asking, shapeFor, setPath,
          fontScale, scaleFonts};
})();
if (typeof module !== "undefined") module.exports = RaceLayout;
