// A follower's page (room_ui._follow_component): wait on the room's long poll
// (room_watch.PATH) for a version other than the one this page drew, then ask Streamlit for
// a rerun of the page (a trigger). An idle follower is one waiting request, answered after
// 5 s unchanged; no rerun of the page until the presenter moves.
// data: {room, after (the version drawn), path (the long poll's address, relative)}.
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  const host = parentElement.host || parentElement;  // the shadow root's element
  if (host.momentumStop) host.momentumStop();  // a redraw: the old wait ends
  const stop = new AbortController();
  host.momentumStop = () => stop.abort();
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const url = (after) => {
    const u = new URL(data.path, document.baseURI);
    u.search = new URLSearchParams({ room: data.room, after: String(after) }).toString();
    return u;
  };

  async function follow() {
    let seen = data.after, pause = 250;
    while (!stop.signal.aborted) {
      try {
        const answer = await fetch(url(seen), { signal: stop.signal, cache: "no-store" });
        if (!answer.ok) throw new Error(`status ${answer.status}`);
        const { version } = await answer.json();
        pause = 250;
        // A new version: rerun. The same one still, 5 s after asking for it, and this page
        // not redrawn since (the rerun was lost): ask again.
        if (version !== seen || version !== data.after) setTriggerValue("moved", version);
        seen = version;
      } catch (error) {
        if (stop.signal.aborted) return;
        await sleep(pause);  // a worker gone, a proxy restarting: try again, soon
        pause = Math.min(pause * 2, 2000);
      }
    }
  }
  follow();
  return () => stop.abort();
}
