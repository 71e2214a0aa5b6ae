/* Grid map: grids colored by a figure over the base map and the street/community boundaries (25-basemap.js);
   a click opens the grid. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});

  const SCALE = ["#fde2e2", "#f59f9f", "#d63939", "#8b1e1e"];

  G.renderGridMap = function (el) {
    if (!window.L || el._map) return;
    const data = G.readJson(el.dataset.gridMap);
    if (!data) return;
    const items = {};
    data.items.forEach((d) => (items[d.name] = d));
    const max = Math.max(1, ...data.items.map((d) => Number(d.value) || 0));
    const color = (v) => SCALE[Math.min(SCALE.length - 1, Math.floor(((Number(v) || 0) / max) * SCALE.length))];
    const backdrop = new Set(data.backdrop || []);
    const many = data.items.length > 60;
    const esc = G.escapeHtml;
    const map = G.basemap(el, data.geojson, {
      style: function (f) {
        if (backdrop.has(f.properties.name)) {
          return f.properties.level === "street"
            ? { color: "#334155", weight: 2.5, fill: false, dashArray: "6 4" }
            : { color: "#6c7a91", weight: 2, fillOpacity: 0 };
        }
        const it = items[f.properties.name] || {};
        if (data.single) return { color: "#8b1e1e", weight: 2, fillColor: "#d63939", fillOpacity: 0.3 };
        return { color: "#ffffff", weight: 1, fillColor: color(it.value), fillOpacity: 0.55 };
      },
      interactive: (f) => !backdrop.has(f.properties.name),
      // Grid names as labels; with many grids, the community names instead (grid names on hover).
      label: function (f) {
        if (backdrop.has(f.properties.name)) return many && f.properties.level === "community" ? f.properties.label : "";
        return many ? "" : f.properties.label;
      },
      tooltip: function (f) {
        const it = items[f.properties.name];
        if (!it) return "";
        return esc(it.label) + (data.metricLabel ? "<br>" + esc(data.metricLabel) + "：" + esc(it.value) : "");
      },
      click: function (f) {
        const it = items[f.properties.name];
        if (it && it.url) window.location.href = it.url;
      },
    });
    if (!map || data.single || !data.metricLabel) return;
    const legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () {
      const box = L.DomUtil.create("div", "basemap-legend");
      box.append(data.metricLabel + "：");
      SCALE.forEach(function (c, i) {
        const sw = L.DomUtil.create("span", "basemap-swatch", box);
        sw.style.background = c;
        sw.title = Math.round((i * max) / SCALE.length) + "–" + Math.round(((i + 1) * max) / SCALE.length);
      });
      box.append(" 0–" + max);
      return box;
    };
    legend.addTo(map);
  };

  function init(root) {
    (root || document).querySelectorAll("[data-grid-map]").forEach(G.renderGridMap);
    (root || document).querySelectorAll("[data-autosubmit-field]").forEach(function (sel) {
      if (sel._auto) return;
      sel._auto = true;
      sel.addEventListener("change", () => sel.form.submit());
    });
    (root || document).querySelectorAll("[data-route-form]").forEach(function (form) {
      if (form._route) return;
      form._route = true;
      const out = form.parentElement.querySelector("[data-route-result]");
      form.addEventListener("submit", function (evt) {
        evt.preventDefault();
        const params = new URLSearchParams(new FormData(form));
        fetch(form.action + "?" + params.toString(), { credentials: "same-origin" })
          .then((r) => r.json())
          .then(function (res) {
            out.textContent = "";
            if (res.detail) {
              out.className = "mt-2 small text-danger";
              out.textContent = res.detail;
              return;
            }
            out.className = "mt-2 small";
            if (!res.found) {
              out.textContent = res.message;
              return;
            }
            const a = document.createElement("a");
            a.href = "/grids/" + res.grid.code + "/";
            a.textContent = res.grid.name + "（" + res.grid.code + "）";
            out.append(res.grid.street_name + " · " + res.grid.community_name + " · ", a);
          })
          .catch(() => G.toast("定位失败，请稍后重试", "danger"));
      });
    });
  }
  document.addEventListener("DOMContentLoaded", () => init());
  document.addEventListener("htmx:afterSettle", (evt) => init(evt.target));
})();
