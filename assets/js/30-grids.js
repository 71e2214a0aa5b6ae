/* Grid map: an offline ECharts vector map of grids over the region boundaries; click opens the detail. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});
  let mapSeq = 0;

  G.renderGridMap = function (el) {
    if (!window.echarts || el._chart) return;
    const data = G.readJson(el.dataset.gridMap);
    if (!data) return;
    const mapName = "grids-" + ++mapSeq;
    echarts.registerMap(mapName, data.geojson);
    const values = data.items.map((d) => d.value);
    const max = Math.max(1, ...values);
    const regions = (data.backdrop || []).map((name) => ({
      name: name,
      silent: true,
      itemStyle: { areaColor: "#e9ecef", borderColor: "#6c7a91", borderWidth: 2 },
      label: { show: false },
      emphasis: { disabled: true },
      tooltip: { show: false },
    }));
    const option = {
      tooltip: {
        trigger: "item",
        formatter: (p) => {
          if (!p.data) return "";
          const esc = G.escapeHtml;
          return esc(p.data.label) + (data.metricLabel ? "<br>" + esc(data.metricLabel) + "：" + esc(p.data.value) : "");
        },
      },
      series: [
        {
          type: "map",
          map: mapName,
          roam: true,
          selectedMode: false,
          nameProperty: "name",
          label: { show: false },
          itemStyle: { borderColor: "#ffffff", borderWidth: 1 },
          emphasis: { label: { show: true, formatter: (p) => (p.data ? p.data.label : "") } },
          regions: regions,
          data: data.items.map((d) => ({ name: d.name, value: d.value, label: d.label, url: d.url })),
        },
      ],
    };
    if (data.single) {
      option.series[0].itemStyle = { areaColor: "#d63939", borderColor: "#8b1e1e", borderWidth: 2, opacity: 0.8 };
      option.series[0].roam = false;
    } else {
      option.visualMap = {
        min: 0,
        max: max,
        calculable: true,
        orient: "horizontal",
        left: "center",
        bottom: 4,
        itemHeight: 120,
        text: ["高", "低"],
        seriesIndex: 0,
        inRange: { color: ["#fde2e2", "#f59f9f", "#d63939", "#8b1e1e"] },
      };
    }
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    chart.on("click", function (p) {
      if (p.data && p.data.url) window.location.href = p.data.url;
    });
    el._chart = chart;
    el.dataset.ready = "1";
    G.charts.push(chart);
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
