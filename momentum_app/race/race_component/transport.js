// The race's messages: Streamlit's component protocol (v1, a few postMessage calls) and
// the race's own messages between sibling frames on the app's page (the race and its
// feeds, race_feed/index.html, which loads this file too). Needs nothing else.
//
// Messages (all with a channel, the race's Streamlit key):
//   momentum-race:hello   race -> feeds: "tell me again" (a race drawn after its feeds)
//   momentum-race:select  feed -> race: the momentum and learning rate the app holds
//   momentum-race:part    feed -> race: a set of runs that joins the race (race_data.part_data)
//   momentum-race:marks   feed -> race: a question's guesses and answer
"use strict";
const RaceTransport = (() => {
  const HELLO = "momentum-race:hello", SELECT = "momentum-race:select",
        PART = "momentum-race:part", MARKS = "momentum-race:marks";

  // One message of Streamlit's protocol to the page that holds this frame.
  function post(type, data, target = window.parent) {
    target.postMessage(Object.assign({isStreamlitMessage: true, type}, data), "*");
  }
  const ready = (target) => post("streamlit:componentReady", {apiVersion: 1}, target);
  const sendValue = (value, target) => post("streamlit:setComponentValue", {value, dataType: "json"}, target);
  const frameHeight = (height, target) => post("streamlit:setFrameHeight", {height}, target);

  // The frames on the app's page (same origin): this one's siblings, feeds among them.
  function siblings(parent = window.parent) {
    try { return Array.from(parent.document.querySelectorAll("iframe"), (f) => f.contentWindow); }
    catch (err) { return []; }
  }

  // What a feed tells its race, from the feed's Streamlit arguments.
  function feedMessage(args) {
    const channel = args.channel;
    if (args.marks != null) return {type: MARKS, channel, marks: JSON.parse(args.marks)};
    if (args.part) return {type: PART, channel, race: args.race, part: args.part};
    return {type: SELECT, channel, momentum: args.momentum, lr: args.lr, start: args.start};
  }

  // The sets of runs that joined (or wait to join) each race, by its data version. A set
  // that arrives again unchanged (a feed answering another hello, a rerun) is no news:
  // take() says whether it is, so that a cell or start being previewed keeps its place.
  function partStore() {
    const byVersion = {};
    return {
      take(version, part) {
        const held = (byVersion[version] = byVersion[version] || {});
        const old = held[part.kind];
        held[part.kind] = part;
        return !old || JSON.stringify(old.axes) !== JSON.stringify(part.axes);
      },
      of: (version) => Object.values(byVersion[version] || {}),
      has: (version, kind) => Boolean((byVersion[version] || {})[kind]),
    };
  }

  return {HELLO, SELECT, PART, MARKS, post, ready, sendValue, frameHeight, siblings,
          feedMessage, partStore};
})();
if (typeof module !== "undefined") module.exports = RaceTransport;
