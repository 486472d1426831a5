// The talk: one scene at a time, each a race drawn by race.js from its JSON block.
"use strict";
(() => {
  const slides = JSON.parse(document.getElementById("slides").textContent);
  const byId = (id) => document.getElementById(id);
  const menu = byId("talkmenu"), explore = byId("talkexplore");
  document.body.classList.add("talk");
  window.RACE_FIT_WINDOW = true;  // the chart takes the screen's height under the texts
  slides.forEach((s, i) => menu.add(new Option(`${i + 1}. ${s.menu}`, String(i))));
  const talk = {index: -1, count: slides.length, shown: 0, exploring: false};
  window.talkStats = talk;

  // A caption longer than three lines folds (the chart keeps half the screen), with a
  // button that opens the rest and folds it again.
  const caption = byId("talkcaption"), more = byId("talkmore");
  function fold(text) {
    caption.textContent = text;
    caption.classList.add("folded");
    more.hidden = caption.scrollHeight <= caption.clientHeight + 1;
    more.textContent = "More ▾";
    more.setAttribute("aria-expanded", "false");
  }
  more.addEventListener("click", () => {
    const open = caption.classList.toggle("folded") === false;
    more.textContent = open ? "Less ▴" : "More ▾";
    more.setAttribute("aria-expanded", String(open));
  });

  function show(i) {
    i = Math.max(0, Math.min(slides.length - 1, i));
    if (i === talk.index) return;
    const s = slides[i];
    talk.index = i;
    byId("talktitle").textContent = s.asking;  // its title once a question is answered
    byId("talkwhere").textContent = `Scene ${i + 1} of ${slides.length} · ${s.where}`;
    byId("talkclaim").textContent = `The article's claim, in our words: ${s.claim}`;
    fold(s.caption);
    const checks = byId("talkchecks");
    checks.classList.toggle("failed", s.failed.length > 0);
    checks.textContent = s.failed.length
      ? `This run does not bear the caption out: ${s.failed.join("; ")}.`
      : `Checked on these runs: ${s.checks} check${s.checks === 1 ? "" : "s"} hold.`;
    menu.value = String(i);
    byId("talkprev").disabled = i === 0;
    byId("talknext").disabled = i === slides.length - 1;
    if (location.hash !== `#${s.name}`) history.replaceState(null, "", `#${s.name}`);
    talk.exploring = false;
    ask(s.question);
    play(false);
  }

  // A block of the file: JSON, gzipped, in base64 (export.py packs it).
  async function block(id) {
    const bytes = Uint8Array.from(atob(byId(id).textContent), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  // The scene's own runs, or (exploring) the playground's race of the scene: every β of
  // the chart's slider and the α line, computed by the app when the file was written.
  async function play(exploring) {
    const i = talk.index, s = slides[i];
    talk.exploring = exploring;
    explore.setAttribute("aria-pressed", String(exploring));
    explore.textContent = exploring ? "Back to the scene's runs" : "Scrub α and β";
    // a big screen: bigger; a phone: the page's own type
    const phone = window.innerWidth < 700;
    const uiFont = phone ? 16 : Math.round(18 * Math.max(1, window.innerHeight / 800));
    // A question waits for its answer before the scene's runs play (the playground's race
    // of the scene is offered only once it is answered: it would give the answer away).
    const asking = !exploring && s.question && !talk.revealed;
    const options = {uiFont, clickable: false, autoplay: asking ? false : "seen", fresh: true};
    const id = exploring ? s.explore : s.race;
    options.dataVersion = id;  // the parts that join a race wait for it, never another's
    const own = await block(id);
    if (talk.index !== i || talk.exploring !== exploring) return;  // moved on meanwhile
    options.parts = exploring ? own.parts : s.parts;
    if (exploring) options.momentum = own.momentum;
    marks(exploring);
    await startRace(exploring ? own.race : own, options);
    talk.shown += 1;
  }

  // No marks on the playground's race of a scene; back on the scene's own runs, an
  // answered question's marks again (ask() set them for a question still open).
  function marks(exploring) {
    const q = slides[talk.index].question;
    if (exploring) {
      raceAsk("");
      raceMarks({kind: "point", mine: null});
    } else if (q && q.kind !== "choice" && talk.revealed) {
      raceMarks({kind: q.kind, truth: q.truth, mine: talk.mine});
    }
  }

  // A scene's question, asked before it plays: its choices, or a guess on the chart (the
  // landscape, the β slider, the pad) that the reader may lock in; the caption waits.
  // No room here: "Show the answer" marks it (computed when the file was written, from
  // the runs, as the app does) and plays the race.
  function ask(q) {
    talk.revealed = !q;
    explore.hidden = !slides[talk.index].explore || Boolean(q);
    byId("talkquestion").hidden = !q;
    byId("talkcaption").hidden = byId("talkchecks").hidden = Boolean(q);
    const onChart = Boolean(q) && q.kind !== "choice";
    raceMarks({kind: onChart ? q.kind : "point", mine: null});
    raceAsk(onChart ? "tap" : "");
    byId("asksend").textContent = "Lock in my guess";
    if (!q) return null;
    byId("talkqtext").textContent = `Question: ${q.text}`;
    const list = byId("talkchoices");
    list.replaceChildren(...q.choices.map((c) => Object.assign(document.createElement("li"), {textContent: c.label})));
    list.hidden = !q.choices.length;
    byId("talkanswer").hidden = true;
    byId("talkanswer").textContent = q.answer;
    byId("talkreveal").hidden = false;
    return q;
  }

  function reveal() {
    const q = slides[talk.index].question;
    if (!q || talk.revealed) return;
    talk.revealed = true;
    byId("talktitle").textContent = slides[talk.index].title;
    byId("talkreveal").hidden = true;
    byId("talkanswer").hidden = false;
    byId("talkcaption").hidden = byId("talkchecks").hidden = false;
    fold(slides[talk.index].caption);  // its fold measured now that it shows
    explore.hidden = !slides[talk.index].explore;
    [...byId("talkchoices").children].forEach((li, k) => li.classList.toggle("right", q.choices[k].right));
    if (q.kind !== "choice") {
      talk.mine = raceStats.marks.mine || raceStats.guess;
      raceAsk("");
      raceMarks({kind: q.kind, truth: q.truth, mine: talk.mine});
    }
    setPlaying(true);
  }
  byId("talkreveal").addEventListener("click", reveal);

  byId("talkprev").addEventListener("click", () => show(talk.index - 1));
  byId("talknext").addEventListener("click", () => show(talk.index + 1));
  menu.addEventListener("change", () => show(Number(menu.value)));
  explore.addEventListener("click", () => play(!talk.exploring));
  // A clicker's keys step through the talk (Space too: in a talk it means "next", not
  // "play"); the capture phase sees them before a focused control does. A clicker sends
  // PageDown and PageUp (or the arrows): those two change the scene whatever has focus.
  // The arrows stay with a control that moves on them (a slider, the (α, β) pad, a text
  // field): on the step slider → is one step on, not the next scene. Buttons take no
  // arrows, so after Play the arrows step through the talk.
  const keepsArrows = "input, select, textarea, [role=slider], [contenteditable]";
  window.addEventListener("keydown", (event) => {
    const next = ["ArrowRight", "PageDown", " "].includes(event.key);
    const back = ["ArrowLeft", "PageUp"].includes(event.key);
    if (!next && !back) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;  // the browser's own keys
    if (event.target === menu) return;  // the menu keeps its own keys
    const arrow = event.key.startsWith("Arrow");
    if (arrow && event.target.closest && event.target.closest(keepsArrows)) return;
    event.preventDefault();
    event.stopPropagation();
    show(talk.index + (next ? 1 : -1));
  }, true);
  const start = slides.findIndex((s) => `#${s.name}` === location.hash);
  show(start >= 0 ? start : 0);
})();
