// The race: plotly draws the still chart once; this script draws the growing paths, loss
// curves and markers on a canvas pinned over the two plot areas, once per animation frame,
// and switches runs in the browser when a scrubbed setting changes.
//
// Every racer (track) holds sets of runs computed by the app's core: "beta" (its family of
// momenta at the chosen learning rate, or its single run), and, as they arrive after the
// chart, "alpha" (a line of learning rates at the chosen β), "pad" (the (α, β) grid, for the
// first momentum racer) and "start" (a grid of starts). The selection {kind, index} says
// which set and run every racer shows; moving a control changes only the selection.
//
// This file wires the page: its elements, events and frames. What can be said without a
// page lives in the modules loaded before it (index.html lists them, in order, and
// race_chart.py inlines the same list into the offline files): decode.js (the data),
// transport.js (messages), selection.js (which run each racer shows), pad.js (the pad's
// colours, the grids' keys), drawing.js (shapes on a canvas), layout.js (the chart's
// layout for its room).
"use strict";
const D = RaceDecode, S = RaceSelection, P = RacePad, Draw = RaceDraw, Lay = RaceLayout,
      T = RaceTransport;
//: Steps per second at 1x: the default 1,000 steps play in 6 s.
const BASE_RATE = 1000 / 6;
const SPEEDS = [0.25, 0.5, 1, 2, 4, 8];

// Read by the browser tests: frames drawn, frame rate, the step shown, what is drawn.
const race = {
  version: null, data: null, tracks: [], steps: 0, step: 0, end: 0, playing: false,
  speed: 1, betas: null, sel: {kind: "beta", index: 0, beta: 0}, chosen: {alpha: null, beta: null, start: null},
  axes: {}, pending: {}, framesDrawn: 0, fps: 0, playStarted: 0, playFrames: 0, lastTime: 0,
  clickable: false, scrubMs: null, sent: 0, markers: [], channel: "", font: 15,
  dragging: null, shown: [], lazy: [], reached: false, asked: 0, waiting: false,
  wants: new Set(),  // every lazy kind asked for in this frame (see sendValue)
  // Presenter mode, as the app says (race_chart's presenting): the chart fits the screen
  // and Space is the clicker's "next".
  presenting: false,
  pending: T.partStore(),  // the sets of runs by race (data version), applied or waiting
};
window.raceStats = race;

const $ = (id) => document.getElementById(id);
const chart = $("chart"), overlay = $("overlay"), ctx = overlay.getContext("2d");
const playButton = $("play"), stepSlider = $("step"), betaSlider = $("beta"), alphaSlider = $("alpha");
const pad = $("pad"), padCtx = pad.getContext("2d"), map = $("map");
// A touch screen (no hover, a coarse pointer) is told to tap and drag, not to point.
const TOUCH = window.matchMedia("(hover: none) and (pointer: coarse)").matches;
if (TOUCH) pad.setAttribute("aria-label", "(α, β) pad: tap or drag on it to switch the momentum run; arrow keys move, Enter takes the cell");
for (const s of SPEEDS) {
  const option = new Option(`${s}\u00d7 (${Math.round(s * BASE_RATE)} steps/s)`, String(s));
  option.selected = s === 1;
  $("speed").add(option);
}

// --- what each racer shows (selection.js, on this race's state) ------------------------
const padShape = () => S.padShape(race.axes);
const member = (t) => S.member(race, t);
const shownSettings = () => S.shownSettings(race);

function select(sel) {
  race.sel = Object.assign({beta: race.sel.beta}, sel);
  showSettings();
  race.end = endStep();
  draw();  // now, playing or not: the new paths are on screen before this returns
}

// Back to the chosen settings (the sidebar's), e.g. when the pointer leaves the pad.
function selectChosen() { select(S.chosenSel(race)); }

// --- drawing ------------------------------------------------------------------------
function axes() {
  const L = chart._fullLayout;
  const map = (ax) => {
    const [r0, r1] = ax.range, off = ax._offset, len = ax._length;
    return {off, len, px: ax._id[0] === "x" ? (v) => off + (v - r0) / (r1 - r0) * len
                                               : (v) => off + (r1 - v) / (r1 - r0) * len};
  };
  return {x: map(L.xaxis), y: map(L.yaxis), x2: map(L.xaxis2), y2: map(L.yaxis2)};
}

function fitOverlay() {
  const ratio = window.devicePixelRatio || 1, w = chart.clientWidth, h = chart.clientHeight;
  overlay.style.width = w + "px"; overlay.style.height = h + "px";
  // On the chart, wherever it sits in its box (the room's question bar is above it).
  race.chartAt = [chart.offsetLeft, chart.offsetTop];  // read here, not once a frame
  overlay.style.left = race.chartAt[0] + "px"; overlay.style.top = race.chartAt[1] + "px";
  overlay.width = Math.round(w * ratio); overlay.height = Math.round(h * ratio);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
}

const polyline = (...args) => Draw.polyline(ctx, ...args);
const clip = (ax, ay) => Draw.clip(ctx, ax, ay);

function drawRun(A, t, set, m, s, width) {
  ctx.save(); clip(A.x, A.y);
  // A white halo under the path: the theory's bowl is dark blue where the momentum path
  // is blue, and a projector washes the difference out.
  ctx.lineJoin = "round"; ctx.strokeStyle = "rgba(255,255,255,0.85)"; ctx.lineWidth = width + 3;
  polyline(set.path, m, s, set.path.x, set.path.y, A.x.px, A.y.px);
  ctx.strokeStyle = t.color; ctx.lineWidth = width;
  const head = polyline(set.path, m, s, set.path.x, set.path.y, A.x.px, A.y.px);
  ctx.restore();
  ctx.save(); clip(A.x2, A.y2);
  ctx.strokeStyle = t.color; ctx.lineWidth = width;
  polyline(set.loss, m, s, set.loss.steps, set.loss.gap, A.x2.px, A.y2.px);
  ctx.restore();
  return head;
}

function drawStart(A) {
  const start = shownSettings().start;
  if (!start) return;
  const r = Math.max(6, race.font * 0.5), x = A.x.px(start[0]), y = A.y.px(start[1]);
  const handle = $("handle");
  handle.classList.toggle("on", race.clickable);
  const [left, top] = race.chartAt || [0, 0];
  if (!race.dragging) { handle.style.left = left + x + "px"; handle.style.top = top + y + "px"; }
  if (race.clickable) describeHandle(start);
  ctx.save(); clip(A.x, A.y);
  ctx.fillStyle = "#fff"; ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
  ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  if (race.dragging) {  // the pointer, while the nearest precomputed start is shown
    const [px, py] = race.dragging.at;
    ctx.setLineDash([4, 3]); ctx.beginPath(); ctx.arc(px, py, r + 4, 0, 2 * Math.PI); ctx.stroke();
  }
  ctx.restore();
}

function draw() {
  if (!chart._fullLayout || !race.tracks.length) return;
  const A = axes(), s = race.step, width = Math.max(2.5, race.font / 6);
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  race.markers = []; race.shown = [];
  if (race.ask) { drawStart(A); drawMarks(A); race.framesDrawn += 1; return; }  // no answer shown
  if (!race.playing) {  // the whole paths, faintly: what a scrub changes is always in view
    ctx.save(); ctx.globalAlpha = 0.3;
    for (const t of race.tracks) {
      const got = member(t);
      if (got) drawRun(A, t, got[0], got[1], race.steps, width * 0.8);
    }
    ctx.restore();
  }
  drawStart(A);
  for (const t of race.tracks) {
    const got = member(t);
    if (!got) continue;
    const [set, m] = got;
    race.shown.push({label: t.label, kind: race.sel.kind, index: m});
    const [hx, hy] = drawRun(A, t, set, m, s, width);
    ctx.save(); clip(A.x, A.y);
    ctx.fillStyle = t.color; ctx.strokeStyle = "#fff"; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(hx, hy, race.font * 0.55, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    ctx.restore();
    const k = set.diverged[m];
    if (k >= 0 && s >= k) {  // a cross at the last finite point, with what happened
      const [i] = D.locate(set.path, m, k - 1);
      // Pinned to the plot's edge when the last finite point lies outside it.
      const r = race.font * 0.9, pin = (v, ax) => Math.min(Math.max(v, ax.off + r), ax.off + ax.len - r);
      const px = pin(A.x.px(set.path.x[i]), A.x), py = pin(A.y.px(set.path.y[i]), A.y);
      ctx.save();
      ctx.strokeStyle = t.color; ctx.lineWidth = 4;
      ctx.beginPath(); ctx.moveTo(px - r, py - r); ctx.lineTo(px + r, py + r);
      ctx.moveTo(px + r, py - r); ctx.lineTo(px - r, py + r); ctx.stroke();
      ctx.font = `600 ${race.font}px system-ui, sans-serif`; ctx.fillStyle = t.color;
      ctx.textAlign = "center";
      const ty = Math.max(A.y.off + race.font, py - r - 6);
      const text = `${t.label} diverged at step ${k}`;
      // Inside the plot: a long label by a side (a network's "Momentum β = 0.99 ...") was
      // cut; on a phone's narrow plot, in smaller type.
      const wide = ctx.measureText(text).width + 8;
      if (wide > A.x.len) ctx.font = `600 ${race.font * A.x.len / wide}px system-ui, sans-serif`;
      const half = Math.min(wide, A.x.len) / 2;
      const tx = Math.min(Math.max(px, A.x.off + half), A.x.off + A.x.len - half);
      ctx.lineWidth = 4; ctx.strokeStyle = "#fff";
      ctx.strokeText(text, tx, ty); ctx.fillText(text, tx, ty);
      ctx.restore();
      race.markers.push({label: t.label, step: k, x: set.path.x[i], y: set.path.y[i], px, py,
                         text: [tx - half, tx + half], plot: [A.x.off, A.x.off + A.x.len]});
    }
  }
  drawInspector(A);
  drawMarks(A);
  race.framesDrawn += 1;
  const whole = Math.floor(s);
  stepSlider.value = String(whole);
  $("steplabel").textContent = `step ${whole.toLocaleString("en-US")} / ${race.steps.toLocaleString("en-US")}`;
  setAttr(stepSlider, "aria-valuetext", $("steplabel").textContent.replace("/", "of"));
  showReadout();
}

// --- playback -----------------------------------------------------------------------
const endStep = () => S.endStep(race);  // every shown run has stopped here: the rest is still

function setPlaying(on) {
  race.playing = on;
  playButton.innerHTML = on ? "&#10074;&#10074; Pause" : "&#9654; Play";
  if (!on) { draw(); return; }
  if (race.step >= race.steps) race.step = 0;  // replay from the start
  race.playStarted = race.lastTime = performance.now();
  race.playFrames = 0;
  requestAnimationFrame(tick);
}

function tick(now) {
  if (!race.playing) return;
  const dt = Math.max(0, now - race.lastTime) / 1000;
  race.lastTime = now;
  race.end = endStep();
  race.step = Math.min(race.end, race.step + dt * BASE_RATE * race.speed);
  if (race.step >= race.end) race.step = race.end >= race.steps ? race.steps : race.end;
  draw();
  race.playFrames += 1;
  race.fps = race.playFrames / Math.max(1e-3, (now - race.playStarted) / 1000);
  if (race.step >= race.end) {
    race.step = race.steps;  // everyone has stopped: show the end at once
    setPlaying(false);
    return;
  }
  requestAnimationFrame(tick);
}

// --- a race told to play on its own waits until it is seen ------------------------------
// A follower's phone, say, may have the chart below the fold: it would be far into the race
// (or over) when scrolled to. It starts once half the chart is on screen (half the screen,
// for a chart taller than the screen); Play, or a scrub, first takes the decision away.
function seenEnough(entry) {
  if (!entry.isIntersecting) return false;
  const screen = entry.rootBounds ? entry.rootBounds.height : Infinity;
  return entry.intersectionRect.height >= 0.5 * Math.min(entry.boundingClientRect.height, screen) - 1;
}
const sight = new IntersectionObserver((entries) => {
  race.seen = seenEnough(entries[entries.length - 1]);
  if (race.seen && race.waiting && race.tracks.length && !race.drawing) {
    race.waiting = false;
    setPlaying(true);
  }
}, {threshold: Array.from({length: 21}, (_, i) => i / 20)});
// A visitor who asked their system for reduced motion gets no autoplay: Play starts it.
function reducedMotion() {
  return Boolean(window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches);
}

function playWhenSeen() {
  race.waiting = true;
  sight.unobserve(chart);  // observing anew reports where the chart is now
  sight.observe(chart);
}

playButton.addEventListener("click", () => { race.waiting = false; setPlaying(!race.playing); });
stepSlider.addEventListener("input", () => {
  race.waiting = false;
  race.step = Number(stepSlider.value);
  if (race.playing) setPlaying(false); else draw();
});
$("speed").addEventListener("change", (e) => { race.speed = Number(e.target.value); });

// --- the readout and the sliders follow the selection ----------------------------------
function showSettings() {
  const shown = shownSettings(), sel = race.sel;
  if (race.betas) {
    betaSlider.value = String(sel.kind === "beta" ? sel.beta : D.nearestIndex(race.betas, race.chosen.beta ?? 0.9));
    if (shown.beta != null) $("betalabel").textContent = `β = ${D.fmtBeta(shown.beta)}`;
    setAttr(betaSlider, "aria-valuetext", $("betalabel").textContent);
  }
  const line = race.axes.alpha;
  if (line) {
    alphaSlider.value = String(sel.kind === "alpha" ? sel.index : D.nearestIndex(line.alphas, shown.alpha));
  }
  if (shown.alpha != null) $("alphalabel").textContent = `α = ${D.fmtAlpha(shown.alpha)}`;
  setAttr(alphaSlider, "aria-valuetext", $("alphalabel").textContent);
  showReadout();
  drawPad();
}

// Whether the selection moves racer t's β (a scene's other momentum racers keep their own).
const moves = (t) => S.moves(race, t);

// What each shown run has at the current step; its end only once it has got there.
function showReadout() {
  if (race.ask) {  // a question open: nothing a run did is said (a follower's chart has no run)
    $("readout").innerHTML = race.readout = $("live").textContent = race.spoken = "";
    return;
  }
  const shown = shownSettings(), whole = Math.floor(race.step), spoken = [];
  const lines = race.tracks.map((t) => {
    const got = member(t);
    const parts = [];
    if (shown.alpha != null) parts.push(`α = ${D.fmtAlpha(shown.alpha)}`);
    if (t.momentum && shown.beta != null && moves(t)) parts.push(`β = ${D.fmtBeta(shown.beta)}`);
    const head = `<b style="color:${D.ink(t.color)}">${t.label}</b>` + (parts.length ? ` (${parts.join(", ")})` : "");
    if (!got) return `${head}: not on the pad (it holds the first momentum racer)`;
    const said = D.readout(race.data.outcomes, got[0], got[1], whole, race.steps, race.data.tolerance);
    spoken.push({label: t.label, said, gap: D.gapAt(got[0], got[1], whole)});
    return said.end ? `${head} ${said.text}` : `${head}: ${said.text}`;
  });
  const notes = race.sel.kind === "pad" && race.axes.pad && race.axes.pad.notes;
  if (notes) lines.push(notes[race.sel.index]);
  const html = lines.join(" &nbsp;·&nbsp; ");
  if (html !== race.readout) $("readout").innerHTML = race.readout = html;  // a frame's worth
  // The chart's text alternative, a polite live region: the step, who leads, what each
  // has; while playing at most every 4 s (a screen reader reads it out whole).
  const now = performance.now();
  if (!race.playing || now - (race.spokenAt || 0) > 4000) {
    const text = D.standings(spoken, whole, race.steps);
    if (text !== race.spoken) { $("live").textContent = race.spoken = text; race.spokenAt = now; }
  }
}

// Released (pointer up, or a pause in key presses): the value goes back to the app.
let sendTimer = null;
function sendSoon(value, delay) {
  clearTimeout(sendTimer);
  sendTimer = setTimeout(() => { race.sent += 1; sendValue(Object.assign(value, {nonce: Date.now()})); }, delay);
}

betaSlider.addEventListener("input", (event) => {
  const i = Number(betaSlider.value);
  if (race.ask) { askBeta(i); return; }
  select({kind: "beta", index: i, beta: i});
  race.scrubMs = performance.now() - event.timeStamp;
});
betaSlider.addEventListener("change", () => { if (!race.ask) sendSoon({momentum: race.betas[race.sel.beta]}, 250); });
alphaSlider.addEventListener("input", (event) => {
  select({kind: "alpha", index: Number(alphaSlider.value)});
  race.scrubMs = performance.now() - event.timeStamp;
});
alphaSlider.addEventListener("change", () => sendSoon({lr: race.axes.alpha.alphas[race.sel.index]}, 250));

// --- the keyboard on the chart's grids (the pad, the start, a page's map) ---------------
// Arrow keys move one cell (with Shift five), Home and End to the row's first and last
// (with Ctrl the grid's), and show its run at once, as the pointer over it does; Enter or
// Space takes the cell, as a click or a release does; Escape, or the focus leaving before
// Enter, goes back, as the pointer leaving does (pad.js, gridStep, says where a key goes).
// grid.at() is the shown cell [i, j, columns, rows] (null while the grid is on its way);
// go(i, j), take(), back().
function gridKeys(el, grid) {
  let moved = false;
  el.addEventListener("keydown", (event) => {
    if (event.target !== el || event.altKey || event.metaKey) return;
    const ends = event.key === "Home" || event.key === "End";
    if (event.ctrlKey && !ends) return;
    const move = ends || Boolean(P.MOVES[event.key]), take = event.key === "Enter" || event.key === " ";
    if (!move && !take && !(event.key === "Escape" && moved)) return;
    event.preventDefault();
    const at = grid.at();
    if (!at) return;
    if (!move) { if (take) grid.take(); else grid.back(); moved = false; return; }
    moved = true;
    grid.go(...P.gridStep(at, event.key, {shift: event.shiftKey, ctrl: event.ctrlKey}));
    race.scrubMs = performance.now() - event.timeStamp;
  });
  el.addEventListener("blur", () => { if (moved) { moved = false; grid.back(); } });
}

// An attribute set only when it changes (some are set once a frame).
function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

// --- the (α, β) pad: the first momentum racer's grid, coloured by how each run ended -----
// (pad.js: the scale, as the sweep's map's, and the key's words)
function padKey(r) {
  const key = P.keyText(r, D.fmtTol(race.data.tolerance));
  $("keyreached").textContent = key.reached;
  $("keymissed").textContent = key.missed;
  $("keymissedrow").hidden = !key.showMissed;
}

function padCell(event) {  // (i, j) of the cell under a pointer event; j = 0 at the bottom
  const shape = padShape();
  return P.cellAt(pad.getBoundingClientRect(), event.clientX, event.clientY, shape.nA, shape.nB);
}

// The pad's cells are painted once per pad and size (an offscreen canvas); a move only
// copies them and draws the two rings.
let padCells = {set: null, w: 0, h: 0, canvas: null};

function paintCells(set, nA, nB, w, h, ratio) {
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio);
  const c = canvas.getContext("2d");
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  const cw = w / nA, ch = h / nB, r = P.ranges(set, race.data.tolerance);
  for (let j = 0; j < nB; j++) for (let i = 0; i < nA; i++) {
    c.fillStyle = P.cellColor(set, j * nA + i, r);
    c.fillRect(i * cw, h - (j + 1) * ch, Math.ceil(cw), Math.ceil(ch));
  }
  padKey(r);
  return canvas;
}

function drawPad() {
  const shape = padShape(), owner = race.tracks.find((t) => t.sets.pad);
  if ((!shape || !owner) && !$("padbox").hidden) return padWaiting();
  if (!shape || !owner || !pad.clientWidth) return;
  const ratio = window.devicePixelRatio || 1, w = pad.clientWidth, h = pad.clientHeight;
  if (pad.width !== Math.round(w * ratio)) { pad.width = Math.round(w * ratio); pad.height = Math.round(h * ratio); }
  const {nA, nB} = shape, set = owner.sets.pad, cw = w / nA, ch = h / nB;
  padCtx.setTransform(1, 0, 0, 1, 0, 0);
  // The colours (and the key's range of steps) would answer it: a blank grid, and the
  // guesses; a follower's pad has no runs to colour it with until the reveal.
  if (race.ask) {
    blankPad(w * ratio, h * ratio, nA, nB);
    padCtx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return padMarks(w, h);
  }
  if (padCells.set !== set || padCells.w !== w || padCells.h !== h) {
    padCells = {set, w, h, canvas: paintCells(set, nA, nB, w, h, ratio)};
  }
  padCtx.drawImage(padCells.canvas, 0, 0);
  padCtx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const mark = (i, j, color, r) => {
    padCtx.strokeStyle = color; padCtx.lineWidth = 2;
    padCtx.beginPath(); padCtx.arc((i + 0.5) * cw, h - (j + 0.5) * ch, r, 0, 2 * Math.PI); padCtx.stroke();
  };
  const a = race.axes.pad, c = race.chosen, shown = shownSettings();
  mark(D.nearestIndex(a.alphas, c.alpha), D.nearestIndex(a.betas, c.beta ?? 0), "#000", 4);
  mark(D.nearestIndex(a.alphas, shown.alpha), D.nearestIndex(a.betas, shown.beta), "#fff", 6);
  if (shown.beta != null && shown.alpha != null) pad.setAttribute("aria-valuetext", `α = ${D.fmtAlpha(shown.alpha)}, β = ${D.fmtBeta(shown.beta)}`);
  // a slider's required values: the cell shown, counted row by row
  const cell = D.nearestIndex(a.betas, shown.beta ?? 0) * a.alphas.length + D.nearestIndex(a.alphas, shown.alpha);
  pad.setAttribute("aria-valuemax", String(a.alphas.length * a.betas.length - 1));
  pad.setAttribute("aria-valuenow", String(cell));
  if (race.marks.kind === "pad") padMarks(w, h);
}

// The pad is on its way (asked for when the pointer first came into the chart).
function padWaiting() {
  const ratio = window.devicePixelRatio || 1, w = pad.clientWidth, h = pad.clientHeight;
  if (!w) return;
  pad.width = Math.round(w * ratio); pad.height = Math.round(h * ratio);
  padCtx.setTransform(ratio, 0, 0, ratio, 0, 0);
  padCtx.fillStyle = "#eee"; padCtx.fillRect(0, 0, w, h);
  padCtx.fillStyle = "#555"; padCtx.font = `${Math.round(race.font * 0.85)}px sans-serif`;
  padCtx.textAlign = "center"; padCtx.textBaseline = "middle";
  padCtx.fillText(race.reached ? "(α, β) pad: loading…" : (TOUCH ? "(α, β) pad: tap here" : "(α, β) pad: point here"), w / 2, h / 2);
}

function padSelect(i, j) { select({kind: "pad", index: S.padIndex(race.axes, i, j)}); }
function padSend() {
  const s = shownSettings();
  sendSoon({lr: s.alpha, momentum: s.beta}, 0);
}
let padHeld = false;
pad.addEventListener("pointerdown", (event) => {
  if (!padShape()) return;
  if (race.ask) { padHeld = askPad(event); if (padHeld) pad.setPointerCapture(event.pointerId); return; }
  padHeld = true; pad.setPointerCapture(event.pointerId);
  padSelect(...padCell(event));
  race.scrubMs = performance.now() - event.timeStamp;
});
pad.addEventListener("pointermove", (event) => {
  if (!padShape()) return;
  if (race.ask) { if (padHeld) askPad(event); return; }
  padSelect(...padCell(event));  // hover previews, a drag moves
  race.scrubMs = performance.now() - event.timeStamp;
});
pad.addEventListener("pointerup", () => { if (padHeld) { padHeld = false; if (!race.ask) padSend(); } });
pad.addEventListener("pointerleave", () => { if (!padHeld && !race.ask && race.sel.kind === "pad") selectChosen(); });
// Asked (a room's question), the keys move the guess on a pad question and nothing else.
const padGuessing = () => race.ask === "tap" && race.marks.kind === "pad";
gridKeys(pad, {
  at() {
    const shape = padShape();
    if (!shape || (race.ask && !padGuessing())) return null;
    const a = race.axes.pad, g = race.guess;
    if (padGuessing()) {
      return g ? [D.nearestIndex(a.alphas, g[0]), D.nearestIndex(a.betas, g[1]), shape.nA, shape.nB]
        : [shape.nA >> 1, shape.nB >> 1, shape.nA, shape.nB];
    }
    const shown = shownSettings();
    return [D.nearestIndex(a.alphas, shown.alpha), D.nearestIndex(a.betas, shown.beta ?? 0), shape.nA, shape.nB];
  },
  go(i, j) {
    if (padGuessing()) takeGuess([race.axes.pad.alphas[i], race.axes.pad.betas[j]]);
    else padSelect(i, j);
  },
  take: () => (padGuessing() ? $("asksend").click() : padSend()),
  back: () => { if (!race.ask) selectChosen(); },
});

// --- a page's own map (the sweep's, the theory's): the pointer over it picks a pad run -----
// The map is the page's plotly figure, drawn here; its cells are data.map.alphas x
// data.map.betas, and the pad part holds the runs of (a subgrid of) them.
function mapCell(event) {
  const L = map._fullLayout;
  if (!L || !race.data.map) return null;
  const xa = L.xaxis, ya = L.yaxis, box = map.getBoundingClientRect();
  const px = event.clientX - box.left - xa._offset, py = event.clientY - box.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
  const m = race.data.map, x = xa.p2l(px), y = ya.p2l(py);
  const xs = m.xlog ? m.alphas.map(Math.log10) : m.alphas;
  return [D.nearestIndex(xs, x), D.nearestIndex(m.betas, y)];  // column, row of the map
}

function mapSelect(cell, event) {
  const a = race.axes.pad;
  if (cell && !a) $("readout").textContent = "The cells' paths are on their way…";
  if (!cell || !a) return;
  const m = race.data.map, i = D.nearestIndex(a.alphas, m.alphas[cell[0]]);
  const j = D.nearestIndex(a.betas, m.betas[cell[1]]);
  select({kind: "pad", index: j * a.alphas.length + i});
  if (event) race.scrubMs = performance.now() - event.timeStamp;
}

// The page opens a cell (its sentence, its playground link); the picked cell stays shown.
function openCell(cell) {
  race.pinned = Object.assign({}, race.sel);
  race.sent += 1;
  sendValue({cell: [cell[1], cell[0]], nonce: Date.now()});
}

function leaveMap() {
  if (race.sel.kind !== "pad") return;
  if (race.pinned) select(race.pinned); else selectChosen();
}

let mapHeld = null;
map.addEventListener("pointermove", (event) => mapSelect(mapCell(event), event));
map.addEventListener("pointerdown", (event) => {
  const cell = mapCell(event);
  if (!cell) return;
  mapHeld = {x: event.clientX, y: event.clientY};
  map.setPointerCapture(event.pointerId);  // plotly's drag cover would take the pointerup
  mapSelect(cell, event);
});
map.addEventListener("pointerup", (event) => {
  const held = mapHeld, cell = mapCell(event);
  mapHeld = null;
  // A click (not a drag) opens the cell on the page: its sentence and its playground link.
  // A finger slides to its cell (the readout names the cell under it) and lifts: the cell
  // where it lifts opens, however small the cells (a phone's 60 x 60 are 5 px).
  const still = Math.hypot(event.clientX - held?.x, event.clientY - held?.y) < 6;
  if (held && cell && (still || event.pointerType === "touch")) openCell(cell);
});
map.addEventListener("pointerleave", leaveMap);

// From the keyboard the map is one slider over its cells; a ring marks the cell the keys
// are on (shown while the map has the focus), and the readout names it, as under a pointer.
function mapAt() {
  const m = race.data && race.data.map;
  if (!m || !map._fullLayout) return null;
  if (!race.mapAt || race.mapAt[0] >= m.alphas.length || race.mapAt[1] >= m.betas.length) {  // where the keys start: the cell shown (the picked one), else the middle
    const s = shownSettings(), near = (v, xs) => (v == null ? xs.length >> 1 : D.nearestIndex(xs, v));
    race.mapAt = [near(s.alpha, m.alphas), near(s.beta, m.betas)];
  }
  return [...race.mapAt, m.alphas.length, m.betas.length];
}

function placeMapCursor() {
  const L = map._fullLayout, m = race.data && race.data.map, at = race.mapAt, ring = $("mapcursor");
  if (!L || !m || !at) { ring.hidden = true; return; }
  const xa = L.xaxis, ya = L.yaxis, alpha = m.alphas[at[0]], beta = m.betas[at[1]];
  const w = Math.max(12, xa._length / m.alphas.length), h = Math.max(12, ya._length / m.betas.length);
  const x = xa._offset + xa.l2p(m.xlog ? Math.log10(alpha) : alpha), y = ya._offset + ya.l2p(beta);
  Object.assign(ring.style, {left: x - w / 2 + "px", top: y - h / 2 + "px", width: w + "px", height: h + "px"});
  ring.hidden = false;
  const box = $("mapbox");
  setAttr(box, "aria-valuemax", String(m.alphas.length * m.betas.length - 1));
  setAttr(box, "aria-valuenow", String(at[1] * m.alphas.length + at[0]));
  setAttr(box, "aria-valuetext", `α = ${D.fmtAlpha(alpha)}, β = ${D.fmtBeta(beta)}`);
}

gridKeys($("mapbox"), {
  at: mapAt,
  go(i, j) { race.mapAt = [i, j]; placeMapCursor(); mapSelect([i, j]); },
  take() { mapAt(); placeMapCursor(); openCell(race.mapAt); },
  back: leaveMap,
});
$("mapbox").addEventListener("focus", () => { mapAt(); placeMapCursor(); });

// The map takes keys where it picks cells (not a basin map's picture).
function mapKeys(on) {
  const box = $("mapbox");
  const names = ["tabindex", "role", "aria-label", "aria-valuemin", "aria-valuemax", "aria-valuenow", "aria-valuetext"];
  if (!on) { for (const a of names) box.removeAttribute(a); return; }
  box.tabIndex = 0;
  box.setAttribute("role", "slider");
  for (const a of names.slice(3, 6)) setAttr(box, a, box.getAttribute(a) || "0");
  box.setAttribute("aria-label", `Map of (α, β): ${TOUCH ? "tap or slide over it" : "point at a cell"} to race its run; arrow keys move (Shift: ${P.LEAP} cells), Enter opens the cell`);
}

function showMap(spec) {
  $("mapbox").hidden = !spec;
  if (!spec) return Promise.resolve();
  const config = {responsive: true, displayModeBar: false, scrollZoom: false};
  // The readout says what the cell under the pointer did: no hover labels to draw too.
  const layout = Object.assign({}, spec.figure.layout, {hovermode: false, dragmode: false});
  return Plotly.newPlot(map, spec.figure.data, layout, config).then(() => {
    map.querySelectorAll("[tabindex], a").forEach((el) => el.setAttribute("tabindex", "-1"));
  });
}

// --- a map whose picture one slider switches (basin maps across β) -------------------
// data.scrub: the figure once (its cells a layout image) and, per value, the picture of its
// cells, a label and a note; the slider swaps the picture in place, no plotly redraw.
function showScrub(scrub) {
  $("images").hidden = !scrub;
  if (!scrub) return Promise.resolve();
  const pick = $("imagepick");
  $("imagename").textContent = scrub.name;
  pick.setAttribute("aria-label", scrub.name + " (switches the map at once)");
  pick.max = String(scrub.items.length - 1);
  const show = (i) => {
    const item = scrub.items[i];
    const cells = map.querySelector(".layer-below image, g.imagelayer image");
    if (cells) { cells.setAttribute("href", item.src); cells.setAttribute("xlink:href", item.src); }
    $("imagelabel").textContent = item.label; $("imagenote").innerHTML = item.note || "";
    setAttr(pick, "aria-valuetext", item.label);
    pick.value = String(i);
    race.sel = {kind: "scrub", index: i};
    race.framesDrawn += 1;
  };
  pick.oninput = (event) => { show(Number(pick.value)); race.scrubMs = performance.now() - event.timeStamp; };
  return showMap({figure: scrub.figure}).then(() => show(scrub.chosen || 0));
}

// --- PNG: plotly's picture with the canvas drawn over it -----------------------------
$("png").addEventListener("click", () => {
  const w = chart.clientWidth, h = chart.clientHeight, scale = 2;
  Plotly.toImage(chart, {format: "png", width: w, height: h, scale}).then((url) => {
    const image = new Image();
    image.onload = () => {
      const out = document.createElement("canvas");
      out.width = w * scale; out.height = h * scale;
      const c = out.getContext("2d");
      c.drawImage(image, 0, 0, out.width, out.height);
      c.drawImage(overlay, 0, 0, out.width, out.height);
      const a = document.createElement("a");
      a.href = out.toDataURL("image/png");
      a.download = `race-step-${Math.floor(race.step)}.png`;
      a.click();
    };
    image.src = url;
  });
});

// --- the start: drag its marker (precomputed starts), or click anywhere (inside the app) --
function pointerData(event) {
  const xa = chart._fullLayout.xaxis, ya = chart._fullLayout.yaxis, box = chart.getBoundingClientRect();
  const px = event.clientX - box.left, py = event.clientY - box.top;
  const inside = px >= xa._offset && py >= ya._offset && px <= xa._offset + xa._length && py <= ya._offset + ya._length;
  return {px, py, inside, x: xa.p2d(px - xa._offset), y: ya.p2d(py - ya._offset)};
}

const nearestStart = (x, y) => S.nearestStart(race.axes, x, y);
const startReady = () => S.startReady(race);  // the grid of starts belongs to the settings shown now

// A press on the start's handle drags the start; a press elsewhere on the landscape is a
// click that picks a start there (sent on release).
function pressed(event, near) {
  if (!race.clickable || !chart._fullLayout) return;
  const p = pointerData(event);
  if (!p.inside && !near) return;
  race.dragging = {near, moved: false, at: [p.px, p.py], last: p};
  chart.setPointerCapture(event.pointerId);
  event.preventDefault();
  event.stopPropagation();
}
$("handle").addEventListener("pointerdown", (event) => pressed(event, true));
chart.addEventListener("pointerdown", (event) => pressed(event, false));
chart.addEventListener("pointermove", (event) => {
  const d = race.dragging;
  if (!d || !d.near) return;
  const p = pointerData(event);
  d.moved = true; d.at = [p.px, p.py]; d.last = p;
  if (startReady()) {
    select({kind: "start", index: nearestStart(p.x, p.y)});
    race.scrubMs = performance.now() - event.timeStamp;
  } else {
    draw();
  }
});
chart.addEventListener("pointerup", (event) => {
  const d = race.dragging;
  race.dragging = null;
  if (!d) return;
  const p = d.moved ? d.last : pointerData(event);
  if (!d.moved && !p.inside) return;
  const [x0, x1] = chart._fullLayout.xaxis.range, [y0, y1] = chart._fullLayout.yaxis.range;
  const x = Math.min(Math.max(p.x, x0), x1), y = Math.min(Math.max(p.y, y0), y1);
  draw();
  sendStart([x, y]);  // the exact start runs on the server
});
chart.addEventListener("pointercancel", () => { race.dragging = null; selectChosen(); });

function sendStart(point) {
  race.sent += 1;
  sendValue({start: point, nonce: Date.now()});
}

// From the keyboard the start's handle is a slider over the grid of starts: the arrows
// move it a cell of the grid (the core's starts), Enter runs from there.
gridKeys($("handle"), {
  at() {
    if (!race.clickable) return null;
    if (!startReady()) { $("readout").textContent = "The grid of starts is on its way…"; return null; }
    const a = race.axes.start, s = shownSettings().start;
    return [D.nearestIndex(a.xs, s[0]), D.nearestIndex(a.ys, s[1]), a.xs.length, a.ys.length];
  },
  go: (i, j) => select({kind: "start", index: S.startIndex(race.axes, i, j)}),
  take: () => sendStart(shownSettings().start),
  back: selectChosen,
});

// The handle as a slider: the start it shows, and its cell of the grid (row by row).
function describeHandle(start) {
  const handle = $("handle"), a = startReady() ? race.axes.start : null;
  setAttr(handle, "aria-valuetext", `start (${D.num(start[0])}, ${D.num(start[1])})`);
  setAttr(handle, "aria-valuemax", String(a ? a.xs.length * a.ys.length - 1 : 0));
  setAttr(handle, "aria-valuenow", String(a ? nearestStart(...start) : 0));
}

// --- layout: the chart follows its width (and, when presenting, the screen's height) ----
// (layout.js: the layout for a width and a room; here, what the page measures)
const narrow = () => (race.data && race.data.map ? Lay.NARROW_BESIDE_MAP : Lay.NARROW);
//: legend: its height as drawn (a talk file on a phone), null until measured.
const shape = {base: null, bar: null, key: "", legend: null};

// The room the screen leaves the chart (see RaceLayout.fitHeight): a talk file's window
// under the texts above it; presenting in the app (race.presenting), the screen under this
// frame, keeping room for the scene buttons below (4.5 lines of the page's type); else null.
function room() {
  if (window.RACE_FIT_WINDOW) {
    return {window: true, left: window.innerHeight - chart.getBoundingClientRect().top - $("hint").offsetHeight - 8};
  }
  if (!race.presenting) return null;
  let frame = null, root = null;
  try { frame = window.frameElement; root = frame && window.parent.document.documentElement; } catch (err) { return null; }
  if (!frame || !root) return null;  // another origin: the chart's own height
  let top = frame.getBoundingClientRect().top;
  for (let el = frame.parentElement; el; el = el.parentElement) top += el.scrollTop;
  const rem = parseFloat(getComputedStyle(root).fontSize) || 16;
  const above = chart.getBoundingClientRect().top + $("hint").offsetHeight;
  return {left: window.parent.innerHeight - top - above - 4.5 * rem};
}

function shapeFor(width) {
  // A talk file on a phone: the stacked chart fits above the scene bar (the body's padding).
  const screen = window.RACE_FIT_WINDOW
    ? {height: window.innerHeight, bar: parseFloat(getComputedStyle(document.body).paddingBottom) || 0} : null;
  const wide = width >= narrow();
  return Lay.shapeFor(width, shape, {narrow: narrow(), steps: race.steps, ask: race.ask,
                                     fit: wide ? room() : null, screen});
}

function adaptSpec(figure) {  // before the first draw: no second layout pass
  if (window.RACE_FIT_WINDOW) Lay.scaleFonts(figure, Lay.fontScale(window.innerWidth, window.innerHeight));
  const L = figure.layout, cbTrace = figure.data[0];
  // The canvas draws the start (it moves while dragged); plotly keeps its legend entry.
  for (const trace of figure.data) if (trace.name === "start") { trace.x = [null]; trace.y = [null]; }
  shape.base = Lay.base(figure);
  shape.bar = Object.assign({}, cbTrace.marker.colorbar);
  shape.legend = null;  // another race, other names
  const next = shapeFor(chart.clientWidth || window.innerWidth);
  shape.key = next.key;
  for (const [path, value] of Object.entries(next.layout)) if (value !== null) Lay.setPath(L, path, value);
  cbTrace.marker = Object.assign({}, cbTrace.marker, {colorbar: next.bar});
}

function reshape() {
  // Not mid-draw, nor in a frame being re-rendered (briefly 0 px wide: it would pick the
  // phone's stacked layout).
  if (!chart._fullLayout || !shape.base || race.drawing || chart.clientWidth < 100) {
    return Promise.resolve();
  }
  const next = shapeFor(chart.clientWidth);
  if (next.key === shape.key) return Promise.resolve();
  shape.key = next.key;
  return Plotly.update(chart, {"marker.colorbar": [next.bar]}, next.layout, [0]).then(fitLegend);
}

// The plots stacked (a phone): the top margin as tall as the legend plotly drew (a row per
// name left white space over a two-column legend, and pushed the playground's landscape
// off the first screen). The margin does not change the legend, so one more pass settles it.
// Side by side in presenter mode: the legend's rows count against the plots' least height
// (RaceLayout.fitHeight).
function fitLegend() {
  const legend = chart.querySelector(".legend");
  if (!(shape.key.startsWith("narrow") || race.presenting) || !legend) {
    return Promise.resolve();
  }
  const height = Math.ceil(legend.getBBox().height);
  if (shape.legend != null && Math.abs(height - shape.legend) < 2) return Promise.resolve();
  shape.legend = height;
  return reshape();
}

// --- a race, and the sets that join it ------------------------------------------------
function applyPart(part) {
  const wide = race.steps >= 65536, sets = part.sets, only = part.axes.track;
  race.tracks.forEach((t, k) => {  // a scene's pad is its asked racer's (axes.track) only
    const mine = sets[t.name] && (only == null || only === k);
    if (mine) t.sets[part.kind] = D.unpackRuns(sets[t.name], race.data.screen, wide);
    else delete t.sets[part.kind];
  });
  race.axes[part.kind] = part.axes;
  if (part.kind === "alpha") {
    alphaSlider.max = String(part.axes.alphas.length - 1);
    $("alpharow").hidden = false;
  }
  if (part.kind === "pad") {
    $("padbox").hidden = Boolean(race.data.map);  // the map is the pad
    $("readout").hidden = false;  // it says what the cell under the pointer did
  }
  // the handle, perhaps focused already, now moves over the grid: say its cell
  if (part.kind === "start" && race.clickable) describeHandle(shownSettings().start);
  if (race.sel.kind === part.kind) selectChosen(); else showSettings();
}

// A part computed for other settings than those shown waits (it may be the next race's).
function takePart(version, text) {
  const part = typeof text === "string" ? JSON.parse(text) : text;
  if (part.kind === "inspect") return takeInspect(version, part);  // the step inspector's
  // The same set again (a feed answering another hello, a rerun): nothing changes, and a
  // cell or start being previewed from the keys or the pointer keeps its place.
  if (!race.pending.take(version, part) && race.axes[part.kind]) return;
  if (version === race.dataVersion && race.tracks.length) applyPart(part);
}

// The settings the app holds (sidebar, link): what the sliders and the pad mark as chosen.
function choose(chosen) {
  const same = S.sameChosen(race, chosen);
  Object.assign(race.chosen, chosen);
  if (same && race.tracks.length) { showSettings(); return; }  // told again: a preview stays
  const line = race.axes.alpha;
  // A line computed at another β is stale until its successor arrives.
  if (line && race.chosen.beta != null && line.beta !== race.chosen.beta) {
    $("alpharow").hidden = true;
    delete race.axes.alpha;
    for (const t of race.tracks) delete t.sets.alpha;
  }
  if (race.tracks.length) selectChosen();
}

function startRace(data, options) {
  options = options || {};
  if (data.scrub) {  // a map and its slider: no race
    race.data = data; race.version = options.version || null;
    document.documentElement.style.setProperty("--ui-font", (options.uiFont || 15) + "px");
    $("chartbox").hidden = true; $("scrubs").hidden = true;
    $("mapbox").classList.add("alone");
    return showScrub(data.scrub);
  }
  const again = race.tracks.length > 0, wasPlaying = race.playing, step = race.step;
  race.playing = false;
  race.waiting = false;
  race.data = data;
  race.version = options.version || null;
  race.dataVersion = options.dataVersion ?? null;
  startInspector(data, options);
  race.clickable = Boolean(options.clickable);
  race.font = options.uiFont || 15;
  document.documentElement.style.setProperty("--ui-font", race.font + "px");
  $("hint").textContent = options.hint || "";
  const wide = data.steps >= 65536;
  race.tracks = data.tracks.map((t) => Object.assign({}, t, {
    sets: {beta: D.unpackRuns(t.sets.beta, data.screen, wide)},
  }));
  race.steps = data.steps;
  race.betas = data.betas;
  race.axes = {};
  // The race's own learning rate and start (a scene's runs may have several: none).
  race.chosen.alpha = data.chosen.alpha ?? null;
  race.chosen.beta = data.chosen.beta ?? race.chosen.beta;
  race.chosen.start = data.chosen.start ?? null;
  if (options.momentum != null) race.chosen.beta = options.momentum;
  stepSlider.max = String(race.steps);
  // The step's label as wide as its widest (a phone's row would jitter as it grows).
  const most = race.steps.toLocaleString("en-US");
  $("steplabel").style.setProperty("--widest", `${`step ${most} / ${most}`.length}ch`);
  $("momentum").hidden = !race.betas;
  $("alpharow").hidden = $("padbox").hidden = true;
  // A pad the app sends when asked keeps its place meanwhile (no jump when it comes).
  if (race.lazy.includes("pad") && !data.map) $("padbox").hidden = false;
  if (race.betas) betaSlider.max = String(race.betas.length - 1);
  const beta = race.betas ? D.nearestIndex(race.betas, race.chosen.beta ?? 0.9) : 0;
  race.sel = {kind: "beta", index: beta, beta};  // the chosen run, before any part joins
  for (const part of race.pending.of(race.dataVersion)) applyPart(part);
  for (const part of options.parts || []) takePart(race.dataVersion, part);
  // A scene's caption says what each run did: its chart keeps the room (no readout).
  $("readout").hidden = !(race.betas || data.map);
  selectChosen();
  // A new race keeps the step and the playing state: a change is compared, not restarted
  // (a talk's next scene is a new story: it starts from step 0).
  race.step = again && !options.fresh ? Math.min(step, race.steps) : 0;
  const config = {responsive: true, displayModeBar: false, scrollZoom: false, staticPlot: false};
  performance.mark("race-start");
  adaptSpec(data.figure);
  $("padbox").classList.toggle("mapped", Boolean(data.map));
  mapKeys(Boolean(data.map));
  // No resize or reshape while plotly draws the new race (they would interleave with it
  // and mix two layouts); one settling pass after it.
  race.drawing = true;
  // newPlot, not react: react diffed the old race's reshaped layout into the new one and
  // drew a mix of the two (an axis of the landscape over the loss plot).
  return showMap(data.map).then(() => Plotly.newPlot(chart, data.figure.data, data.figure.layout, config)).then(() => {
    race.drawing = false;
    performance.mark("race-plotted");
    // Keep plotly's own SVG out of the Tab order: the controls above are the keyboard's.
    chart.querySelectorAll("[tabindex], a").forEach((el) => el.setAttribute("tabindex", "-1"));
    $("controls").hidden = false;
    fitOverlay();
    draw();
    showAsk();  // a question's mode, now that its slider or pad is there
    chart.on("plotly_afterplot", () => { fitOverlay(); draw(); });  // newPlot dropped it
    followed = $("chartbox").clientWidth;  // newPlot drew it at this width
    if (again) follow();
    fitLegend();
    performance.mark("race-ready");
    if (wasPlaying && !options.fresh) setPlaying(true);  // a change compared as it plays
    else if (options.autoplay && !reducedMotion()) {
      if (options.autoplay === "seen") playWhenSeen(); else setPlaying(true);
    }
  });
}

// The chart follows its frame: a layout shift (the sidebar, presenter mode, a new
// element above) resizes the frame without a window resize event.
let followed = 0;  // the width the chart last followed
function follow() {
  if (race.data && race.data.scrub) { if (map._fullLayout) Plotly.Plots.resize(map); return; }
  if (!chart._fullLayout || race.drawing) return;
  // A new width (a frame shifted, presenter mode, the sidebar) resizes the plot; the
  // chart's own redraws change only its height, and a frame being re-rendered is briefly
  // 0 px wide.
  const width = $("chartbox").clientWidth;
  if (width < 100) return;
  if (Math.abs(width - followed) < 1) {  // the same width: the height may still follow
    reshape().then(() => { fitOverlay(); draw(); });  // the screen (presenting): no-op else
    return;
  }
  followed = width;
  const maps = race.data && race.data.map ? [Plotly.Plots.resize(map)] : [];
  Promise.all([...maps, Plotly.Plots.resize(chart)]).then(() => reshape())
    .then(() => { fitOverlay(); draw(); drawPad(); placeMapCursor(); });
}
new ResizeObserver(() => follow()).observe($("chartbox"));
new ResizeObserver(() => follow()).observe($("mapbox"));
try {  // the screen's height matters when presenting; the frame only follows its width
  if (window.frameElement) window.parent.addEventListener("resize", () => reshape());
} catch (err) { /* another origin: the frame's own size only */ }

// --- sets sent once the visitor reaches into the chart ---------------------------------
// The heavier sets (the pad, the grid of starts, a map's paths) cost the server a tenth
// of a second to seconds for every new setting, and a visitor who never reaches into the
// chart never uses them. The first pointer, touch or focus in this frame asks the app for
// them, once: from then on it sends them with every race of this visitor, as it does the
// α line. race.lazy lists the kinds the app will send when asked. The grid of starts, the
// heaviest (two thirds of a new setting's work), is asked for only when the visitor goes
// for the start's handle: the pointer near it, a touch or the keyboard's focus on it. Until
// it comes, a drag moves the handle and its release runs the exact start.
const START_NEAR_PX = 90;
function askLazy(kinds = race.lazy.filter((k) => k !== "start")) {
  kinds = kinds.filter((k) => race.lazy.includes(k));
  if (!race.reached || !kinds.length) return;
  race.lazy = race.lazy.filter((k) => !kinds.includes(k));
  race.asked += 1;
  kinds.forEach((k) => race.wants.add(k));
  sendValue({nonce: Date.now()});
}
function reachIn() {
  if (race.reached) return;
  race.reached = true;
  askLazy();
  drawPad();
}
for (const type of ["pointerover", "touchstart", "focusin"]) {
  document.addEventListener(type, reachIn, {passive: true});
}
function reachStart() {
  reachIn();
  askLazy(["start"]);
}
for (const type of ["pointerover", "pointerdown", "touchstart", "focusin"]) {
  $("handle").addEventListener(type, reachStart, {passive: true});
}
$("chartbox").addEventListener("pointermove", (event) => {
  if (!race.lazy.includes("start")) return;
  const box = $("handle").getBoundingClientRect();
  if (!box.width) return;  // no handle on this chart
  const dx = event.clientX - (box.left + box.width / 2), dy = event.clientY - (box.top + box.height / 2);
  if (dx * dx + dy * dy <= START_NEAR_PX * START_NEAR_PX) reachStart();
}, {passive: true});

// --- the step inspector: paused, each racer's next update taken apart -----------------
// At each racer's point, the arrows of the update that leaves it (the gradient step −α·g,
// the carried velocity, the step taken) and, under the chart, that update written in the
// rule's torch form with the numbers filled in. The numbers are the core's exact floats
// (race/inspect_data.py): a scene's travel with it (data.inspect, one per track); in the
// app the race asks for those of the runs it shows once paused ({inspect: [...]}) and
// they arrive as an "inspect" part. Nothing here computes an update: it looks numbers up.
//: The longest arrow of a racer is drawn at least this many pixels long (scaled by a round
//: factor when shorter), and at most this share of the landscape's width.
const INSPECT_MIN_PX = 60, INSPECT_MAX_SHARE = 0.4;
const ARROW_DASH = {step: [], grad: [7, 4], carry: [2, 3]};

function startInspector(data, options) {
  const same = race.inspectVersion === race.dataVersion;
  race.inspectable = Boolean(options.inspect);
  race.inspectVersion = race.dataVersion;
  if (!same) { race.inspected = {}; race.inspectAsked = {}; }
  race.inline = (data.inspect || []).map((d) => D.unpackInspect(d));
  race.inspector = [];
}

// The run racer t shows, by the settings it stands for: the key of its inspection.
function inspectKey(t) {
  const s = shownSettings();
  return [t.name, s.alpha, t.momentum ? s.beta : 0, (s.start || []).join(",")].join("|");
}

// Racer t's (the i-th) inspection; null while on its way, {reason} when there is none.
function inspection(t, i) {
  if (race.inline.length) {  // a scene's: each racer's own run (a family's at its own β)
    const own = race.sel.kind === "beta" && (t.sets.beta.runs === 1 || race.sel.beta === ownBeta());
    return own ? race.inline[i] || null
      : {reason: "the step inspector holds this scene's own runs only: back to its β to inspect"};
  }
  return race.inspected[inspectKey(t)] || null;
}

function takeInspect(version, part) {
  if (version !== race.dataVersion) return;  // another race's runs
  for (const run of part.runs) race.inspected[run.key] = D.unpackInspect(run);
  race.inspectParts = (race.inspectParts || 0) + 1;
  if (!race.playing) draw();
}

// Ask the app for the shown runs' numbers, once each, when the selection has settled.
let inspectTimer = null;
function askInspect() {
  if (!race.inspectable || race.playing || !inStreamlit) return;
  const s = shownSettings(), wanted = [];
  for (const t of race.tracks) {
    const key = inspectKey(t);
    if (!member(t) || race.inspected[key] || race.inspectAsked[key]) continue;
    wanted.push({key, name: t.name, alpha: s.alpha, beta: t.momentum ? s.beta : 0, start: s.start});
  }
  clearTimeout(inspectTimer);
  if (!wanted.length || s.alpha == null || !s.start) return;
  inspectTimer = setTimeout(() => {
    if (race.playing) return;
    for (const w of wanted) race.inspectAsked[w.key] = true;
    race.inspectAsks = (race.inspectAsks || 0) + 1;
    sendValue({inspect: wanted, nonce: Date.now()});
  }, 300);
}

const arrow = (A, from, to, color, dash, width) => Draw.arrow(ctx, A, from, to, color, dash, width);

function drawInspector(A) {
  const panel = $("inspector");
  race.inspector = [];
  const on = race.inspecting && !race.playing && race.tracks.length && (race.inspectable || race.inline.length);
  $("inspect").hidden = !(race.inspectable || race.inline.length);
  if (!on) { if (!panel.hidden) { panel.hidden = true; race.inspectHtml = ""; } return; }
  const width = Math.max(2, race.font / 7), rows = [];
  race.tracks.forEach((t, i) => {
    if (!member(t)) return;
    const ins = inspection(t, i), head = `<b style="color:${D.ink(t.color)}">${t.label}</b>`;
    if (!ins) { rows.push(`<p>${head}: asking the app for this run's numbers…</p>`); return; }
    if (ins.reason) { rows.push(`<p>${head}: ${ins.reason}</p>`); return; }
    const at = D.inspectAt(ins, race.step);
    if (at.status === "end") {
      rows.push(`<p>${head}: step ${at.shown.toLocaleString("en-US")} is the run's last; step back (← or ,) to see an update.</p>`);
      race.inspector.push({label: t.label, status: at.status});
      return;
    }
    if (at.status === "diverged") {
      rows.push(`<p>${head}: diverged at step ${at.diverged.toLocaleString("en-US")} (it left the finite region): no numbers for its updates from there on.</p>`);
      race.inspector.push({label: t.label, status: at.status, diverged: at.diverged});
      return;
    }
    const vecs = D.inspectArrows(ins, at);
    const longest = Math.max(...vecs.map(({vec}) => Math.hypot(A.x.px(at.x[0] + vec[0]) - A.x.px(at.x[0]),
                                                                   A.y.px(at.x[1] + vec[1]) - A.y.px(at.x[1]))));
    const k = D.arrowScale(longest, INSPECT_MIN_PX, Math.max(INSPECT_MIN_PX, INSPECT_MAX_SHARE * A.x.len));
    const ends = D.arrowEnds(ins, at, k);
    ctx.save(); clip(A.x, A.y);
    for (const kind of ["step", "grad", "carry"]) {  // the step under its parts
      const e = ends.find((a) => a.kind === kind);
      if (e) arrow(A, e.from, e.to, t.color, ARROW_DASH[kind], kind === "step" ? width * 1.4 : width);
    }
    ctx.restore();
    race.inspector.push({label: t.label, status: at.status, u: at.u, k, arrows: ends});
    const scale = k === 1 ? "arrows at true length" : `arrows drawn ${D.num(k)}× their true length`;
    const words = D.arrowWords(ins, at).map((w) => `<span class="arrowkey ${w.kind}"></span>${w.text}`);
    rows.push(`<p>${head} · update ${at.u.toLocaleString("en-US")} (step ${at.shown.toLocaleString("en-US")} → ${at.u.toLocaleString("en-US")}) · ${scale}</p>` +
              `<div class="rule">${D.inspectLines(ins, at).map((l) => `<div>${l}</div>`).join("")}</div>` +
              `<div class="terms">${words.join(" &nbsp; ")}</div>`);
  });
  const keys = arrowsStep() ? "← → (or , .)" : "the keys , and .";
  const html = `<div class="inspecthead"><b>Step inspector</b> (paused; ${keys} step by one) · ` +
    `<span class="arrowkey grad"></span>gradient step <span class="arrowkey carry"></span>carried velocity ` +
    `<span class="arrowkey step"></span>step taken</div>` + rows.join("");
  if (html !== race.inspectHtml) { panel.innerHTML = race.inspectHtml = html; }
  if (panel.hidden) panel.hidden = false;
  placeInspector(A);
  askInspect();
}

// Where the chart fills the window (a talk file) and the plots sit side by side, the panel
// lies over the loss plot (below the chart it would be off the screen); elsewhere, and in
// presenter mode (whose chart leaves room under it), it sits under the chart.
function placeInspector(A) {
  const panel = $("inspector"), box = $("chartbox");
  const over = window.RACE_FIT_WINDOW && shape.key.startsWith("wide");
  if (over) {
    if (panel.parentElement !== box) box.appendChild(panel);
    panel.classList.add("over");
    Object.assign(panel.style, {left: A.x2.off - 8 + "px", top: A.y2.off + "px",
                                width: A.x2.len + 16 + "px", maxHeight: A.y2.len + "px"});
  } else if (panel.parentElement === box) {
    panel.classList.remove("over");
    panel.removeAttribute("style");
    $("views").after(panel);
  }
}

// The inspector is on once the visitor pauses a race, steps it, or presses Inspect (a
// race that stops by itself, or is only scrubbed, asks the app for nothing).
function setInspecting(on) {
  race.inspecting = on;
  $("inspect").setAttribute("aria-pressed", String(on));
  if (on && race.playing) setPlaying(false); else draw();
}
playButton.addEventListener("click", () => { if (!race.playing) setInspecting(true); });
$("inspect").addEventListener("click", () => setInspecting(!race.inspecting || race.playing));

const ownBeta = () => S.ownBeta(race);

// One step on or back (paused: a playing race pauses first).
function stepBy(delta) {
  race.inspecting = true;
  $("inspect").setAttribute("aria-pressed", "true");
  if (race.playing) setPlaying(false);
  race.step = Math.max(0, Math.min(race.steps, Math.floor(race.step) + delta));
  draw();
}
// ← → step, except where they mean the talk's scenes (a talk file, the scenes page, whose
// clicker script takes them: there , and . step); in the sliders and the pad they keep
// their own meaning.
function arrowsStep() {
  if (window.RACE_FIT_WINDOW) return false;
  try { return !(inStreamlit && window.parent.momentumSceneKeys); } catch (err) { return true; }
}
window.addEventListener("keydown", (event) => {
  if (!race.tracks.length || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  const arrows = arrowsStep();
  const delta = event.key === "." || (arrows && event.key === "ArrowRight") ? 1
    : event.key === "," || (arrows && event.key === "ArrowLeft") ? -1 : 0;
  if (!delta || (event.target.closest && event.target.closest("input, select, textarea, [role=slider]"))) return;
  event.preventDefault();
  stepBy(delta);
});

// --- a question on the chart: the room guesses where a run stops, its β, its (α, β) -------
// race.ask is "tap" (a follower who has not answered: a guess is taken, sent with the
// bar's button), "show" (the presenter, or a follower who answered: guesses only) or ""
// (the race itself, after the reveal). In "tap" and "show" no run is drawn (the paths
// would give the answer away), nor the pad's colours. race.marks.kind says where a guess
// is taken and its marks drawn: "point", on the landscape, [x, y]; "beta", on the β
// slider, [β]; "pad", a cell of the (α, β) pad, [α, β]. The marks come from the app
// through a feed (race_feed/index.html, {type: "momentum-race:marks"}): every guess, how
// many, one's own, and once revealed the answer (computed by the core) and the room's
// median guess (coordinate-wise). Nothing here computes an answer.
race.ask = "";
race.marks = {kind: "point", guesses: [], count: null, mine: null, truth: null, median: null};
race.guess = null;  // a follower's guess, not yet sent
race.marked = null;  // what drawMarks drew last, in pixels (read by the browser tests)
//: The β slider's thumb while a question is about β: its width places the marks under it.
const THUMB = 28;
const MARK = Draw.MARK;

const askBar = document.createElement("div");
askBar.id = "askbar";
askBar.hidden = true;
askBar.innerHTML = '<span id="asktext"></span><button id="asksend" type="button" hidden>Send my guess</button>';
$("chartbox").prepend(askBar);  // above the landscape, inside its box (a sibling broke the map's "#mapbox + #chartbox" row)
// The β question's row: a step down, a step up (a thumb's targets: 101 βs share a phone's
// slider), and the guesses drawn under the slider.
for (const [id, text, label] of [["betadown", "−", "β one step down"], ["betaup", "+", "β one step up"]]) {
  const b = document.createElement("button");
  Object.assign(b, {id, type: "button", textContent: text, className: "betastep"});
  b.setAttribute("aria-label", label);
  b.addEventListener("click", () => askBeta(Number(betaSlider.value) + (id === "betaup" ? 1 : -1)));
  if (id === "betadown") betaSlider.before(b); else betaSlider.after(b);
}
const betaMarks = document.createElement("canvas");
betaMarks.id = "betamarks";
betaMarks.setAttribute("aria-hidden", "true");
$("momentum").after(betaMarks);
const askStyle = document.createElement("style");
askStyle.textContent = `
  body.asking #controls, body.asking #scrubs, body.asking #inspector, body.asking #readout { display: none; }
  body.asking.ask-beta #scrubs, body.asking.ask-pad #scrubs { display: flex; }
  body.asking.ask-beta #alpharow, body.asking.ask-beta #padbox,
  body.asking.ask-pad #alpharow, body.asking.ask-pad #momentum { display: none; }
  body.asking.ask-pad #padbox { flex-basis: 100%; }
  body.asking.ask-pad #pad { height: calc(var(--ui-font, 15px) * 9); }
  body.asking.ask-pad #padkey > :not(:last-child) { display: none; }
  #askbar { display: grid; gap: 0.4rem; justify-items: start; padding: 0.4rem 0.5rem;
            font: var(--ui-font, 15px) system-ui, sans-serif; }
  #asktext { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 100%; }
  #asksend:disabled { background: #bbb; cursor: default; }
  #askbar[hidden] { display: none; }
  #asksend { min-height: 48px; min-width: 44px; padding: 0 1.2rem; font: inherit; font-weight: 600;
             border-radius: 0.5rem; border: 0; background: #B34F00; color: #fff; cursor: pointer; }  /* the guess's vermillion, darkened: 5.2:1 under white */
  body.asking.tapping.ask-point #chart { cursor: crosshair; touch-action: none; }
  .betastep { display: none; min-width: 48px; min-height: 48px; font-size: 1.3em; font-weight: 700; padding: 0; }
  body.asking.tapping.ask-beta .betastep { display: inline-block; }
  #betamarks { display: none; width: 100%; height: calc(var(--ui-font, 15px) * 3); }
  body.qbeta #betamarks { display: block; }
  body.qbeta #beta { -webkit-appearance: none; appearance: none; height: 44px; background: transparent; }
  body.qbeta #beta::-webkit-slider-runnable-track { height: 6px; border-radius: 3px; background: #0072B2; }
  body.qbeta #beta::-webkit-slider-thumb { -webkit-appearance: none; width: ${THUMB}px; height: ${THUMB}px;
    margin-top: -${THUMB / 2 - 3}px; border-radius: 50%; background: #fff; border: 3px solid #0072B2; box-sizing: border-box; }
  body.qbeta #beta:disabled::-webkit-slider-thumb { border-color: #999; }
  body.qbeta #beta:disabled::-webkit-slider-runnable-track { background: #999; }
  @media (max-width: 560px) { body.qbeta #momentum > label { display: none; }
    body.ask-pad #padbox { order: -1; }  /* its marks, on a phone's first screen */ body.asking.ask-pad #pad { height: 62vw; } }`;
document.head.appendChild(askStyle);

function fmt(v) { return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3); }
const SIZES = {point: 2, beta: 1, pad: 2};

// A guess as the bar says it.
function guessWords(g) {
  const kind = race.marks.kind;
  if (kind === "beta") return `β = ${D.fmtBeta(g[0])}`;
  if (kind === "pad") return `α = ${D.fmtAlpha(g[0])}, β = ${D.fmtBeta(g[1])}`;
  return `(${fmt(g[0])}, ${fmt(g[1])})`;
}

const ASKED = {
  point: () => `${TOUCH ? "Tap" : "Click"} the landscape where you think it stops`,
  beta: () => `Slide to the β you think is fastest${TOUCH ? "" : " (or ← →)"}`,
  pad: () => `${TOUCH ? "Tap" : "Click"} the pad's cell you think is fastest (α →, β ↑)`,
};

function showAsk() {
  const kind = race.marks.kind;
  document.body.classList.toggle("asking", Boolean(race.ask));
  document.body.classList.toggle("tapping", race.ask === "tap");
  for (const k of Object.keys(SIZES)) document.body.classList.toggle(`ask-${k}`, kind === k);
  document.body.classList.toggle("qbeta", kind === "beta" && Boolean(race.betas) && Boolean(race.ask || race.marks.truth));
  betaSlider.disabled = race.ask === "show";
  const sent = race.marks.mine;
  let text = "";
  if (race.ask === "tap" && !race.guess) text = ASKED[kind]();
  else if (race.ask === "tap") text = `Your guess ${guessWords(race.guess)}: ${kind === "beta" ? "slide" : "tap"} again to change it`;
  else if (sent && !race.marks.truth) text = `Your guess ${guessWords(sent)} is in.`;
  $("asktext").textContent = text;
  $("asksend").hidden = race.ask !== "tap";  // its place kept: a tap never moves the chart
  $("asksend").disabled = !race.guess;
  askBar.hidden = !text;
  guessKeys(race.ask === "tap" && race.marks.kind === "point");
  if (chart._fullLayout) { fitOverlay(); draw(); }  // the bar above may have come or gone
  drawBetaMarks();
  fitHeight();
}

// From the keyboard the landscape is a slider for the guess: the arrows move it over a
// GUESS_CELLS x GUESS_CELLS grid of the plot (Shift: five cells), Enter sends it.
const GUESS_CELLS = 40;
function guessCell() {
  const L = chart._fullLayout;
  if (race.ask !== "tap" || race.marks.kind !== "point" || !L) return null;
  const cell = (v, [lo, hi]) => Math.max(0, Math.min(GUESS_CELLS - 1, Math.floor((v - lo) / (hi - lo) * GUESS_CELLS)));
  const g = race.guess;
  return g ? [cell(g[0], L.xaxis.range), cell(g[1], L.yaxis.range), GUESS_CELLS, GUESS_CELLS]
    : [GUESS_CELLS >> 1, GUESS_CELLS >> 1, GUESS_CELLS, GUESS_CELLS];
}
gridKeys(chart, {
  at: guessCell,
  go(i, j) {
    const L = chart._fullLayout, centre = (k, [lo, hi]) => Number((lo + (k + 0.5) / GUESS_CELLS * (hi - lo)).toPrecision(4));
    takeGuess([centre(i, L.xaxis.range), centre(j, L.yaxis.range)]);
  },
  take: () => $("asksend").click(),
  back: () => {},  // a guess stays where it was put, as a tap's does
});

function guessKeys(on) {
  const names = ["tabindex", "role", "aria-label", "aria-valuemin", "aria-valuemax", "aria-valuenow", "aria-valuetext"];
  if (!on) { for (const a of names) chart.removeAttribute(a); return; }
  const at = guessCell() || [0, 0];
  chart.tabIndex = 0;
  setAttr(chart, "role", "slider");
  setAttr(chart, "aria-label", `Your guess on the landscape: arrow keys move it (Shift: ${P.LEAP} steps), Enter sends it`);
  setAttr(chart, "aria-valuemin", "0");
  setAttr(chart, "aria-valuemax", String(GUESS_CELLS * GUESS_CELLS - 1));
  setAttr(chart, "aria-valuenow", String(at[1] * GUESS_CELLS + at[0]));
  setAttr(chart, "aria-valuetext", race.guess ? `(${fmt(race.guess[0])}, ${fmt(race.guess[1])})` : "no guess yet");
}

// The app (or a talk file) sets the question's mode; a new mode drops an unsent guess.
function setAsk(ask) {
  ask = ["tap", "show"].includes(ask) ? ask : "";
  const changed = ask !== race.ask;
  if (changed) race.guess = null;
  race.ask = ask;
  showAsk();
  if (race.tracks.length) { showSettings(); draw(); }  // the slider back to the run shown
  if (changed) reshape();  // the loss plot back (or away), hover on (or off)
}
window.raceAsk = setAsk;

function takeGuess(g) {
  race.guess = g;
  draw();
  drawPad();
  showAsk();
}

function askTap(event) {
  if (race.ask !== "tap" || race.marks.kind !== "point" || !chart._fullLayout) return;
  const p = pointerData(event);
  if (!p.inside) return;
  takeGuess([p.x, p.y]);
}
chart.addEventListener("pointerup", askTap);

function askBeta(i) {
  if (race.ask !== "tap" || !race.betas) { betaSlider.value = String(race.sel.beta); return; }
  i = Math.max(0, Math.min(race.betas.length - 1, i));
  betaSlider.value = String(i);
  $("betalabel").textContent = `β = ${D.fmtBeta(race.betas[i])}`;
  takeGuess([race.betas[i]]);
}

// A press on the pad while asked: the cell under it is the guess (a finger slides to its
// cell); returns whether the press was taken.
function askPad(event) {
  if (race.ask !== "tap" || race.marks.kind !== "pad") return false;
  const [i, j] = padCell(event), a = race.axes.pad;
  takeGuess([a.alphas[i], a.betas[j]]);
  return true;
}

$("asksend").addEventListener("click", () => {
  if (race.ask !== "tap" || !race.guess) return;
  race.sent += 1;
  race.marks.mine = race.guess;
  sendValue({guess: race.guess, nonce: Date.now()});
  race.ask = "show";
  race.guess = null;
  draw();
  drawPad();
  showAsk();
});

function takeMarks(marks) {
  const m = marks || {};
  const kind = SIZES[m.kind] ? m.kind : "point";
  const ok = (p) => Array.isArray(p) && p.length === SIZES[kind] && p.every(Number.isFinite);
  race.marks = {
    kind,
    guesses: (Array.isArray(m.guesses) ? m.guesses : []).filter(ok),
    count: Number.isFinite(m.count) ? m.count : null,  // none: no count drawn (a follower)
    // one's own guess: as given (null clears it), else kept (the presenter's marks hold none)
    mine: "mine" in m ? (ok(m.mine) ? m.mine : null) : (race.marks.kind === kind ? race.marks.mine : null),
    truth: ok(m.truth) ? m.truth : null,
    median: ok(m.median) ? m.median : null,
  };
  if (race.tracks.length) { draw(); drawPad(); }
  showAsk();
}
window.raceMarks = takeMarks;

// The marks' shapes and labels (drawing.js), with this question's marks and own guess.
const drawAll = (c, where, r, stack) => Draw.drawAll(c, race.marks, race.guess, where, r, stack);
const label = (text, x, y, color, A) => Draw.label(ctx, text, x, y, color, A, race.font);
const countText = (c, x, y, size) => Draw.countText(c, race.marks.count, x, y, size);

function drawMarks(A) {
  const m = race.marks;
  if (m.kind !== "point") return;  // drawn on the β slider or the pad
  if (!race.ask && !m.truth && !m.guesses.length) { race.marked = null; return; }
  ctx.save(); clip(A.x, A.y);
  const r = Math.max(6, race.font * 0.4);
  const out = drawAll(ctx, (p) => [A.x.px(p[0]), A.y.px(p[1])], r);
  if (out.guess) label("your guess?", ...out.guess, MARK.mine, A);
  if (out.mine) label("you", ...out.mine, MARK.mine, A);
  if (out.median) label("room's median", ...out.median, MARK.median, A);
  if (out.truth) label("stops here", ...out.truth, "#000", A);
  ctx.restore();
  if (m.count !== null) {  // the count, top left of the landscape
    ctx.save();
    countText(ctx, A.x.off + 8, A.y.off + race.font * 1.4, race.font * 1.1);
    ctx.restore();
  }
  race.marked = out;
}

// A β question's marks, under the slider: the guesses as dots at their βs, the answer's ◆,
// the median's ✕, one's own ring; the count at the top left. Guesses nearer than a dot's width
// merge into one dot with their number over it: on a phone's slider a β is 2-4 px, and
// near guesses (0.9, 0.91, 0.92) hid each other in one blot.
function drawBetaMarks() {
  if (!document.body.classList.contains("qbeta") || !race.betas) return;
  const ratio = window.devicePixelRatio || 1, w = betaMarks.clientWidth, h = betaMarks.clientHeight;
  if (!w) return;
  betaMarks.width = Math.round(w * ratio); betaMarks.height = Math.round(h * ratio);
  const c = betaMarks.getContext("2d"), box = betaMarks.getBoundingClientRect(), s = betaSlider.getBoundingClientRect();
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  const n = race.betas.length, r = Math.max(4, Math.min(6, race.font * 0.28)), base = h - 2.3 * r;
  const x = (b) => s.left - box.left + THUMB / 2 + D.fracIndex(race.betas, b) / (n - 1) * (s.width - THUMB);
  // Rows, so that marks at near βs do not hide each other: the answer on top, the median
  // under it, the guesses (their counts over them) and one's own at the bottom.
  const rows = {truth: 2.2 * r, median: h / 2, guess: base, mine: base};
  const guesses = race.marks.guesses, groups = Draw.groups(guesses.map((g) => x(g[0])), 2 * r + 2);
  const dense = guesses.length > Draw.DENSE, size = Math.max(12, Math.round(race.font * 0.8));
  for (const g of groups) {
    Draw.SHAPES.dot(c, g.x, base, dense ? r * 1.3 : r);
    if (g.n > 1) Draw.countBadge(c, g.n, g.x, base - 2.4 * r - 1, size);  // over one's own ring
  }
  const out = Draw.drawAll(c, Object.assign({}, race.marks, {guesses: []}), race.guess,
                           (p, what) => [x(p[0]), rows[what]], r);
  out.guesses = guesses.length;
  out.groups = groups.map((g) => ({x: g.x, n: g.n, first: g.first, last: g.last}));
  out.where = {left: x(race.betas[0]), right: x(race.betas[n - 1])};
  // The count at the top left, clear of the guesses' counts (the answer's row: it comes later).
  const big = Math.max(12, race.font * 0.9);
  if (race.marks.count !== null) countText(c, 2, big + 1, big);
  race.marked = out;
}

// A pad question's pad while asked: a grid with no colours (they would answer it).
function blankPad(w, h, nA, nB) {
  padCtx.fillStyle = "#f4f4f4"; padCtx.fillRect(0, 0, w, h);
  padCtx.strokeStyle = "#d6d6d6"; padCtx.lineWidth = 1;
  padCtx.beginPath();
  for (let i = 5; i < nA; i += 5) { const x = Math.round(i / nA * w) + 0.5; padCtx.moveTo(x, 0); padCtx.lineTo(x, h); }
  for (let j = 5; j < nB; j += 5) { const y = Math.round(h - j / nB * h) + 0.5; padCtx.moveTo(0, y); padCtx.lineTo(w, y); }
  padCtx.stroke();
}

// The question's marks on the pad: a guess at its cell's centre (a median between cells
// where it falls), several in one cell drawn as one bigger dot.
function padMarks(w, h) {
  const a = race.axes.pad;
  if (!a) return;
  const nA = a.alphas.length, nB = a.betas.length, cw = w / nA, ch = h / nB;
  const where = (p) => [(D.fracIndex(a.alphas, p[0], true) + 0.5) * cw, h - (D.fracIndex(a.betas, p[1]) + 0.5) * ch];
  const r = Math.max(3.5, Math.min(cw, ch) * 0.45);
  padCtx.save();
  const out = drawAll(padCtx, where, r);
  // Crowded cells: a ring as wide as their count, so that ten guesses outweigh one.
  for (const [key, k] of Draw.counts(race.marks.guesses)) {
    if (k < 2) continue;
    const [x, y] = where(key.split(",").map(Number));
    padCtx.strokeStyle = "#000"; padCtx.lineWidth = 1.5;
    padCtx.beginPath(); padCtx.arc(x, y, r * (1 + Math.sqrt(k - 1)), 0, 2 * Math.PI); padCtx.stroke();
  }
  if (race.marks.count !== null) countText(padCtx, 4, Math.max(race.font, 14), Math.max(12, race.font * 0.9));
  padCtx.restore();
  out.cell = [cw, ch];
  race.marked = out;
}
new ResizeObserver(() => drawBetaMarks()).observe($("momentum"));
// A pad laid out after its part arrived (0 px wide then: a frame not yet shown) is drawn
// when it gets its size.
new ResizeObserver(() => { if (race.tracks.length) drawPad(); }).observe(pad);

// Before the race's own listener (registered below): a render's ask mode is set first.
if (window.parent !== window && !window.RACE_STANDALONE) {
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data) return;
    if (data.type === T.MARKS && data.channel === race.channel) { takeMarks(data.marks); return; }
    if (data.type !== "streamlit:render") return;
    setAsk(data.args.ask);
  });
}

// --- Streamlit's component protocol (v1), by hand (transport.js) -------------------------
const inStreamlit = window.parent !== window && !window.RACE_STANDALONE;

// Every value sent carries every kind asked for so far (race.wants): Streamlit keeps a
// component's last value only, and a finger's first tap on the start's handle asks for the
// pad and the grid of starts and sends the start in one moment (the asks were lost).
function sendValue(value) {
  if (race.wants.size) value.want = [...race.wants];
  if (inStreamlit) T.sendValue(value);
}
function fitHeight() {
  if (inStreamlit) T.frameHeight(document.body.scrollHeight);
}

// A presentation clicker's keys step through the scenes whatever has focus: pressed in
// this frame (after Play or Pause, say), they go on to the page, whose clicker script
// (talk/clicker.html) presses Previous or Next. The sliders and the speed menu keep their
// own keys; Space means "next" only when presenting (otherwise it presses the button).
const CLICKER_KEYS = ["ArrowRight", "ArrowLeft", "PageDown", "PageUp", " "];
window.addEventListener("keydown", (event) => {
  if (!inStreamlit || !CLICKER_KEYS.includes(event.key)) return;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  let page;
  try { page = window.parent.momentumSceneKeys ? window.parent.document : null; } catch (err) { return; }
  if (!page || event.target.closest("input, select, [role=slider]")) return;
  if (event.key === " " && !race.presenting) return;
  event.preventDefault();
  event.stopPropagation();
  race.forwarded = (race.forwarded || 0) + 1;
  page.dispatchEvent(new KeyboardEvent("keydown", {key: event.key, bubbles: true, cancelable: true}));
}, true);

if (inStreamlit) {
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data) return;
    if (data.type === T.SELECT && data.channel === race.channel) {
      choose({alpha: data.lr ?? race.chosen.alpha, beta: data.momentum ?? race.chosen.beta});
      return;
    }
    if (data.type === T.PART && data.channel === race.channel) {
      takePart(data.race, data.part);
      return;
    }
    if (data.type !== "streamlit:render") return;
    const args = data.args;
    race.channel = args.channel || "";
    const presenting = Boolean(args.presenting);  // not part of the version: no restart
    if (presenting !== race.presenting) {
      race.presenting = presenting;
      if (race.tracks.length) reshape().then(() => { fitOverlay(); draw(); });
    }
    if (args.version === race.version) return;  // the same race: keep its state
    performance.mark("race-received");
    race.lazy = (args.lazy || []).filter((k) => !race.pending.has(args.dataVersion, k));
    try {
      startRace(JSON.parse(args.data), args).then(() => {
        askLazy();
        fitHeight();
        for (const w of T.siblings()) w.postMessage({type: T.HELLO, channel: race.channel}, "*");
      });
    } catch (err) {
      $("message").textContent = "Could not draw the race: " + err;
      fitHeight();
    }
  });
  new ResizeObserver(() => fitHeight()).observe(document.body);
  T.ready();
}
