import time, json
from web_harness import SiteServer, StreamingApiServer, origin
from test_clicks import ready, open_profile, close_profile

INIT = """
(() => {
  const log = (what) => { const l = JSON.parse(sessionStorage.getItem('probe') || '[]'); l.push(what + '@' + performance.now().toFixed(0)); sessionStorage.setItem('probe', JSON.stringify(l)); };
  const f = window.fetch.bind(window);
  window.fetch = (url, opts) => { const p = f(url, opts); if (String(url).includes('/clicks')) p.then(() => log('ok'), (e) => log('rej:' + e.name + ':' + e.message)); return p; };
  for (const ev of ['beforeunload', 'pagehide', 'unload']) window.addEventListener(ev, () => log(ev));
  document.addEventListener('visibilitychange', () => log('vis:' + document.visibilityState));
  window.addEventListener('pageshow', () => log('pageshow:' + location.pathname));
})();
"""

def test_probe(mysfits_api, browser):
    with StreamingApiServer(delay=1.0) as streaming, SiteServer(mysfits_api.url, streaming.endpoint) as web:
        streaming.allowed_origin = origin(web.url)
        ctx = browser.new_context()
        ctx.add_init_script(INIT)
        page = ctx.new_page()
        page.goto(f"{web.url}/")
        page.wait_for_selector("#mysfits[aria-busy=false]", state="attached")
        for name in ("Blue", "Twilight Glitter", "Chi"):
            open_profile(page, name); close_profile(page)
        page.goto(f"{web.url}/elsewhere.html")
        time.sleep(3)
        print("LOG", page.evaluate("sessionStorage.getItem('probe')"))
        print("ATTEMPTS", len(streaming.attempts))
        ctx.close()
