/* Pages of regions, party, units and people. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});

  // Region map: <div data-region-map="json-script-id"> holds a GeoJSON FeatureCollection of the region
  // (properties.role = "self") and its children. Vector only: registered as an ECharts map.
  G.initRegionMaps = function (root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-region-map]").forEach(function (el) {
      if (el._chart) return;
      const geo = G.readJson(el.dataset.regionMap);
      if (!geo || !geo.features || !geo.features.length) return;
      const mapName = "region-" + el.dataset.regionMap;
      echarts.registerMap(mapName, geo);
      const children = geo.features.filter((f) => f.properties.role === "child");
      // The region itself is drawn as an outline; its children (if any) are the labelled areas.
      const data = geo.features.map(function (f) {
        const self = f.properties.role === "self";
        const outlineOnly = self && children.length > 0;
        return {
          name: f.properties.name,
          label: { show: !outlineOnly && children.length <= 30 },
          itemStyle: outlineOnly
            ? { areaColor: "rgba(0,0,0,0)", borderColor: "#7f1d1d", borderWidth: 2 }
            : { areaColor: "#fde8e8", borderColor: "#b91c1c", borderWidth: 1 },
          emphasis: outlineOnly ? { disabled: true } : undefined,
        };
      });
      el._chart = echarts.init(el, null, { renderer: "svg" });
      el._chart.setOption({
        tooltip: { trigger: "item", formatter: "{b}" },
        series: [{
          type: "map", map: mapName, roam: true, data: data, selectedMode: false,
          label: { fontSize: 11 },
          emphasis: { itemStyle: { areaColor: "#fca5a5" }, label: { show: true } },
        }],
      });
      (G.charts || []).push(el._chart);
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
