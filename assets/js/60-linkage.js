/* Contact-point coverage map: communities green when a leader's contact point covers them, red when
   not; community names as labels. Same offline ECharts vector map as the grid map. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});
  let seq = 0;

  function render(el) {
    if (!window.echarts || el._chart) return;
    const data = G.readJson(el.dataset.coverageMap);
    if (!data) return;
    const mapName = "coverage-" + ++seq;
    echarts.registerMap(mapName, data.geojson);
    const esc = G.escapeHtml;
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: (p) =>
          p.data
            ? esc(p.data.label) + "<br>" + (p.data.covered ? "联系领导：" + esc(p.data.leaders) : "尚无领导联系点")
            : "",
      },
      series: [
        {
          type: "map",
          map: mapName,
          roam: true,
          selectedMode: false,
          nameProperty: "name",
          label: { show: true, fontSize: 10, color: "#1d273b", formatter: (p) => (p.data ? p.data.label : "") },
          labelLayout: { hideOverlap: true },
          emphasis: { label: { show: true } },
          data: data.items.map((d) => ({
            name: d.name,
            label: d.label,
            covered: d.covered,
            leaders: d.leaders,
            itemStyle: {
              areaColor: d.covered ? "#a3d9b1" : "#f59f9f",
              borderColor: "#ffffff",
              borderWidth: 1,
            },
          })),
        },
      ],
    });
    el._chart = chart;
    el.dataset.ready = "1";
    if (G.charts) G.charts.push(chart);
  }

  function init(root) {
    (root || document).querySelectorAll("[data-coverage-map]").forEach(render);
  }
  document.addEventListener("DOMContentLoaded", () => init());
  document.addEventListener("htmx:afterSettle", (evt) => init(evt.target));
})();
