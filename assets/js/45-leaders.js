/* Leader dashboard (map drill-down by navigation, 12-month trends, print) and the whistle check-in
   form's geolocation. Data comes from json_script "leader-data" (CSP: no inline JS). */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});

  function fmt(v, unit) {
    if (v === null || v === undefined) return "无数据";
    return v.toLocaleString("zh-CN") + (unit === "%" ? "%" : " " + unit);
  }

  function leaderMap(el, data, select) {
    const chart = echarts.init(el, null, { renderer: "canvas" });
    G.charts.push(chart);
    const name = "leader-" + data.region.code;
    const hasShapes = data.geojson.features.length > 0;
    if (hasShapes) echarts.registerMap(name, data.geojson);
    const rows = data.ranking;
    function render() {
      const code = select ? select.value : data.sort;
      const info = data.metrics.find((m) => m.code === code) || data.metrics[0];
      const vals = rows.map((r) => r[info.code]).filter((v) => v !== null);
      const max = vals.length ? Math.max.apply(null, vals) : 0;
      const min = vals.length ? Math.min.apply(null, vals) : 0;
      const tip = function (p) {
        const r = rows.find((x) => x.code === p.name) || rows[p.dataIndex];
        const esc = G.escapeHtml;
        return r ? esc(r.name) + "<br>" + esc(info.label) + "：" + esc(fmt(r[info.code], info.unit)) : "";
      };
      const colors = info.higher_is_better ? ["#fde8e8", "#f28b82", "#b91c1c"] : ["#e6f4ea", "#f59f00", "#d63939"];
      if (hasShapes) {
        chart.setOption({
          animation: false,
          tooltip: { trigger: "item", formatter: tip },
          visualMap: { type: "continuous", min: min, max: max === min ? min + 1 : max, left: 8, bottom: 8,
            itemHeight: 80, inRange: { color: colors }, text: [fmt(max, info.unit), fmt(min, info.unit)], textStyle: { fontSize: 10 } },
          series: [{ type: "map", map: name, roam: false, selectedMode: false,
            label: { show: true, fontSize: 10, formatter: (p) => (rows.find((r) => r.code === p.name) || {}).name || "" },
            emphasis: { itemStyle: { areaColor: "#ffd43b" } },
            itemStyle: { borderColor: "#fff", borderWidth: 1, areaColor: "#e9ecef" },
            data: rows.map((r) => ({ name: r.code, value: r[info.code] === null ? "-" : r[info.code] })) }],
        }, true);
      } else {
        chart.setOption({
          animation: false,
          color: ["#d63939"],
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
          xAxis: { type: "value", max: info.unit === "%" ? 100 : null },
          yAxis: { type: "category", inverse: true, data: rows.map((r) => r.name), axisLabel: { width: 90, overflow: "truncate" } },
          series: [{ type: "bar", name: info.label, barMaxWidth: 16, label: { show: true, position: "right", fontSize: 10 },
            data: rows.map((r) => (r[info.code] === null ? "-" : r[info.code])) }],
        }, true);
        el.style.height = Math.max(260, rows.length * 22 + 40) + "px";
        chart.resize();
      }
      el.dataset.metric = info.code;
    }
    chart.on("click", function (p) {
      const r = rows.find((x) => x.code === p.name) || rows[p.dataIndex];
      if (r && r.has_children) window.location.search = "?region=" + encodeURIComponent(r.code);
    });
    if (select) select.addEventListener("change", render);
    render();
  }

  function trends(el, data) {
    const chart = echarts.init(el, null, { renderer: "canvas" });
    G.charts.push(chart);
    const series = data.trends.series;
    const hasRate = series.some((s) => s.kind === "rate");
    chart.setOption({
      animation: false,
      color: ["#d63939", "#206bc4", "#2fb344", "#f59f00", "#ae3ec9", "#667382"],
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 34, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.trends.months.map((m) => m.slice(2)) },
      yAxis: [{ type: "value", minInterval: 1, name: "件/次" }].concat(hasRate ? [{ type: "value", max: 100, name: "%" }] : []),
      series: series.map((s) => ({ name: s.label, type: s.kind === "rate" ? "line" : "bar", yAxisIndex: s.kind === "rate" && hasRate ? 1 : 0,
        connectNulls: true, barMaxWidth: 14, data: s.values.map((v) => (v === null ? "-" : v)) })),
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    const data = G.readJson("leader-data");
    if (data && window.echarts) {
      const m = document.querySelector("[data-leader-map]");
      if (m) leaderMap(m, data, document.querySelector("[data-leader-metric]"));
      const t = document.querySelector("[data-leader-trends]");
      if (t) trends(t, data);
      window.addEventListener("beforeprint", function () { G.charts.forEach((c) => c.resize()); });
    }
    // Whistle check-in: on-site check-in fills the hidden lng/lat from the browser's location.
    document.querySelectorAll("form[data-checkin]").forEach(function (form) {
      const status = form.querySelector("[data-geo-status]");
      const lng = form.querySelector("[data-geo=lng]");
      const lat = form.querySelector("[data-geo=lat]");
      form.querySelectorAll("input[type=radio]").forEach(function (r) {
        r.addEventListener("change", function () {
          if (r.value !== "onsite" || !r.checked) return;
          if (!navigator.geolocation) { status.textContent = "此浏览器无法获取位置，请选择线上报到。"; return; }
          status.textContent = "正在获取位置…";
          navigator.geolocation.getCurrentPosition(function (pos) {
            lng.value = pos.coords.longitude.toFixed(6);
            lat.value = pos.coords.latitude.toFixed(6);
            status.textContent = "已获取位置（" + lng.value + "，" + lat.value + "）";
          }, function () { status.textContent = "未能获取位置，请允许定位后重试。"; }, { enableHighAccuracy: true, timeout: 10000 });
        });
      });
    });
  });
})();
