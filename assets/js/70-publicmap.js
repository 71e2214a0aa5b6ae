/* 身边诉求 map: the outlines of the areas one level down (a tap drills into one) under the filtered
   cases as coloured dots on the configured base map (grids/basemap.py). Coordinates come rounded by
   the server (cases/public.py); a tap on a dot opens the case. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});
  const COLORS = { received: "#f59f00", in_progress: "#206bc4", fixed: "#2fb344", unresolved: "#868e96" };

  function render(el) {
    if (el.dataset.ready || !window.L || !G.basemap) return;
    const data = G.readJson(el.dataset.publicMap) || { points: [], areas: { features: [] } };
    const map = G.basemap(el, data.areas, {
      style: function () { return { color: "#d63939", weight: 1.2, fillColor: "#fff5f5", fillOpacity: 0.15 }; },
      label: function (f) { return f.properties.name; },
      click: function (f) {
        const q = new URLSearchParams(window.location.search);
        q.set("region", f.properties.code);
        q.delete("page");
        window.location.search = q.toString();
      },
    });
    if (!map) return;
    const gcj = G.basemapConfig().crs === "gcj02";
    const latlngs = [];
    data.points.forEach(function (p) {
      const xy = gcj ? G.coords.wgs84ToGcj02(p.lng, p.lat) : [p.lng, p.lat];
      const ll = [xy[1], xy[0]];
      latlngs.push(ll);
      L.circleMarker(ll, { radius: 7, color: "#fff", weight: 2, fillColor: COLORS[p.status] || COLORS.received, fillOpacity: 0.9 })
        .bindTooltip(G.escapeHtml(p.category + " · " + p.number))
        .on("click", function (evt) {
          L.DomEvent.stopPropagation(evt);
          window.location.href = data.base + encodeURIComponent(p.number) + "/";
        })
        .addTo(map);
    });
    if (latlngs.length && !(data.areas.features || []).length) {
      map.fitBounds(L.latLngBounds(latlngs), { padding: [16, 16], maxZoom: 16 });
    }
    el.dataset.points = String(latlngs.length);
  }

  function init(root) { (root || document).querySelectorAll("[data-public-map]").forEach(render); }
  document.addEventListener("DOMContentLoaded", function () { init(); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
