/* Pages of regions, party, units and people. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});

  // Region map: <div data-region-map="json-script-id"> holds a GeoJSON FeatureCollection of the region
  // (properties.role = "self") and its children, drawn over the base map (25-basemap.js) with the
  // children's names as labels; a click on a child opens it.
  G.initRegionMaps = function (root) {
    if (!window.L) return;
    (root || document).querySelectorAll("[data-region-map]").forEach(function (el) {
      if (el._map) return;
      const geo = G.readJson(el.dataset.regionMap);
      if (!geo || !geo.features || !geo.features.length) return;
      const children = geo.features.filter((f) => f.properties.role === "child");
      const outline = (f) => f.properties.role === "self" && children.length > 0;
      G.basemap(el, geo, {
        style: (f) => outline(f)
          ? { color: "#7f1d1d", weight: 2.5, fillOpacity: 0 }
          : { color: "#b91c1c", weight: 1.5, fillColor: "#fde8e8", fillOpacity: 0.3 },
        interactive: (f) => !outline(f),
        label: (f) => (outline(f) ? "" : children.length <= 30 ? f.properties.name : ""),
        tooltip: (f) => (outline(f) ? "" : G.escapeHtml(f.properties.name)),
        click: function (f) {
          if (f.properties.role === "child" && f.properties.code) window.location.href = "/regions/" + encodeURIComponent(f.properties.code) + "/";
        },
      });
    });
  };
  document.addEventListener("DOMContentLoaded", function () { G.initRegionMaps(); });

  // The unmask purpose (hx-prompt) is Chinese text; a header can't carry it (htmx would send it
  // URI-encoded), so send it as the "purpose" form field instead.
  document.addEventListener("htmx:configRequest", function (evt) {
    const purpose = evt.detail.headers["HX-Prompt"];
    if (purpose && /[^\x00-\xff]/.test(purpose)) {
      evt.detail.parameters["purpose"] = purpose;
      delete evt.detail.headers["HX-Prompt"];
    }
  });

  // Charts inside a tab that was hidden at load have no size: resize when a tab is shown.
  document.addEventListener("shown.bs.tab", function () {
    (G.charts || []).forEach((c) => c.resize());
  });

  // Open the tab named in the URL hash (e.g. after adding a seat: #tab-seats).
  document.addEventListener("DOMContentLoaded", function () {
    if (!location.hash || !window.bootstrap) return;
    const link = document.querySelector('[data-bs-toggle="tab"][href="' + location.hash + '"]');
    if (link) bootstrap.Tab.getOrCreateInstance(link).show();
  });
})();
