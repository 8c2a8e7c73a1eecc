// HQ's dashboard kept live: server-sent events (/hq/panel/eventos) say when the figures changed, then the page fetches
// them (/hq/panel/datos) and swaps them in; without EventSource, or when the stream keeps failing, it polls instead.
(function () {
  "use strict";
  var root = document.getElementById("panel-datos");
  if (!root) { return; }
  var status = document.getElementById("panel-estado");
  var marker = root.getAttribute("data-marca") || "";
  var every = (parseInt(root.getAttribute("data-cada"), 10) || 15) * 1000;
  var busy = false, again = false, failures = 0, polling = null;

  function join(url, extra) { return url + (url.indexOf("?") >= 0 ? "&" : "?") + extra; }
  function clock() {
    return new Date().toLocaleTimeString("es-CL", { timeZone: "America/Santiago", hour: "2-digit", minute: "2-digit",
                                                   second: "2-digit", hour12: false });
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(join(root.getAttribute("data-datos"), "marca=" + encodeURIComponent(marker)),
          { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.status === 204) { return null; }
        if (response.redirected || !response.ok) { throw new Error("HTTP " + response.status); }
        var next = response.headers.get("X-Marca") || "";
        return response.text().then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("panel-datos");
          if (!fresh) { throw new Error("sin cifras"); }
          root.innerHTML = fresh.innerHTML;
          marker = next;
          root.setAttribute("data-marca", next);
          root.classList.remove("dash-updated"); void root.offsetWidth; root.classList.add("dash-updated");
          status.textContent = "Actualizado a las " + clock() + ".";
        });
      })
      .catch(function () { status.textContent = "Sin conexión con HQ; se reintenta."; })
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  function poll() {
    if (polling === null) { polling = window.setInterval(refresh, every); }
  }

  if (!("EventSource" in window)) { poll(); return; }
  var source = new EventSource(join(root.getAttribute("data-eventos"), "marca=" + encodeURIComponent(marker)));
  source.addEventListener("cambio", function (event) {
    failures = 0;
    if (event.data !== marker) { refresh(); }
  });
  source.onopen = function () { failures = 0; };
  source.onerror = function () {
    failures += 1;
    if (source.readyState === EventSource.CLOSED || failures >= 3) { source.close(); poll(); }
  };
})();
