/* Home dashboard: GeoJSON map of the sub-regions colored by a chosen metric, with drill-down and bars.
   Data comes from json_script "map-data" and from /dashboards/map/?region=<code> (CSP: no inline JS). */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});

  function metricInfo(data, code) {
    return (data.metrics || []).find((m) => m.code === code) || data.metrics[0];
  }

  function valueOf(row, metric) {
    const v = row[metric];
    return v === null || v === undefined ? null : v;
  }

  function fmt(v, unit) {
    if (v === null || v === undefined) return "无数据";
    return (typeof v === "number" ? v.toLocaleString("zh-CN") : v) + (unit === "%" ? "%" : " " + unit);
  }

  function RegionMap(box) {
    this.box = box;
    this.url = box.dataset.mapUrl;
    this.mapEl = box.querySelector("[data-map-canvas]");
    this.barsEl = box.querySelector("[data-map-bars]");
    this.select = box.querySelector("[data-map-metric]");
    this.back = box.querySelector("[data-map-back]");
    this.title = box.querySelector("[data-map-title]");
    this.hint = box.querySelector("[data-map-hint]");
    this.map = echarts.init(this.mapEl, null, { renderer: "canvas" });
    this.bars = echarts.init(this.barsEl, null, { renderer: "canvas" });
    G.charts.push(this.map, this.bars);
    const self = this;
    this.select.addEventListener("change", function () { self.render(); });
    this.back.addEventListener("click", function () {
      if (self.data && self.data.parent) self.load(self.data.parent.code);
    });
    this.map.on("click", function (p) { self.drill(p.name); });
    this.bars.on("click", function (p) {
      const row = self.data.children[p.dataIndex];
      if (row) self.drill(row.code);
    });
  }

  RegionMap.prototype.drill = function (code) {
    const row = (this.data.children || []).find((c) => c.code === code);
    if (row && row.has_children) this.load(code);
  };

  RegionMap.prototype.load = function (code) {
    const self = this;
    const url = this.url + (code ? "?region=" + encodeURIComponent(code) : "");
    this.box.setAttribute("aria-busy", "true");
    this.map.showLoading({ text: "加载中…" });
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status === 404 ? "区划不存在或不在管辖范围内" : "加载失败");
        return r.json();
      })
      .then(function (data) { self.show(data); })
      .catch(function (e) { G.toast(e.message, "danger"); })
      .finally(function () {
        self.map.hideLoading();
        self.box.removeAttribute("aria-busy");
      });
  };

  RegionMap.prototype.show = function (data) {
    this.data = data;
    this.mapName = "gr-" + ((data.region && data.region.code) || "root");
    const hasShapes = data.geojson && data.geojson.features.length > 0;
    if (hasShapes) echarts.registerMap(this.mapName, data.geojson);
    this.hasShapes = hasShapes;
    this.box.dataset.region = (data.region && data.region.code) || "";
    this.title.textContent = data.region ? data.region.name : "管辖范围";
    this.back.hidden = !data.parent;
    if (data.parent) this.back.title = "返回" + data.parent.name;
    const canDrill = (data.children || []).some((c) => c.has_children);
    this.hint.textContent = !hasShapes
      ? "下级区划暂无边界数据，仅显示对比图。"
      : canDrill ? "点击区域查看其下级区划。" : "已是最末一级区划。";
    this.render();
  };

  RegionMap.prototype.render = function () {
    const data = this.data;
    const metric = this.select.value;
    const info = metricInfo(data, metric);
    this.box.dataset.metric = metric;
    const rows = data.children || [];
    const names = {};
    rows.forEach((r) => (names[r.code] = r.name));
    const values = rows.map((r) => valueOf(r, metric)).filter((v) => v !== null);
    const max = values.length ? Math.max.apply(null, values) : 0;
    const min = values.length ? Math.min.apply(null, values) : 0;
    const seriesData = rows.map((r) => ({ name: r.code, value: valueOf(r, metric) === null ? "-" : r[metric] }));
    const tooltip = function (p) {
      const row = rows.find((r) => r.code === p.name) || rows[p.dataIndex];
      if (!row) return "";
      const esc = G.escapeHtml;
      return esc(row.name) + "<br>" + esc(info.label) + "：" + esc(fmt(valueOf(row, metric), info.unit)) +
        (row.has_children ? "<br><span style=\"opacity:.7\">点击查看下级</span>" : "");
    };
    if (this.hasShapes) {
      this.mapEl.hidden = false;
      this.map.setOption({
        tooltip: { trigger: "item", formatter: tooltip },
        visualMap: {
          type: "continuous", min: min, max: max === min ? min + 1 : max, calculable: false,
          left: 8, bottom: 8, itemHeight: 90, text: [fmt(max, info.unit), fmt(min, info.unit)],
          inRange: { color: metric === "findings" ? ["#fff4e5", "#f76707", "#d63939"] : ["#fde8e8", "#f28b82", "#b91c1c"] },
          textStyle: { fontSize: 11 },
        },
        series: [{
          type: "map", map: this.mapName, roam: true, selectedMode: false,
          label: { show: true, fontSize: 11, formatter: (p) => names[p.name] || "" },
          emphasis: { label: { show: true }, itemStyle: { areaColor: "#ffd43b" } },
          itemStyle: { borderColor: "#fff", borderWidth: 1, areaColor: "#e9ecef" },
          data: seriesData,
        }],
      }, true);
    } else {
      this.map.clear();
      this.mapEl.hidden = true;
    }
    this.bars.setOption({
      color: [metric === "findings" ? "#f76707" : "#d63939"],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: (ps) => tooltip({ name: rows[ps[0].dataIndex].code, dataIndex: ps[0].dataIndex }) },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: info.unit === "%" ? 100 : null, minInterval: info.unit === "%" ? 0 : 1 },
      yAxis: { type: "category", inverse: true, data: rows.map((r) => r.name), axisLabel: { width: 90, overflow: "truncate" } },
      series: [{ type: "bar", name: info.label, barMaxWidth: 18, label: { show: true, position: "right", fontSize: 10 },
        data: rows.map((r) => (valueOf(r, metric) === null ? "-" : r[metric])) }],
    }, true);
    this.bars.getDom().style.height = Math.max(240, rows.length * 26 + 40) + "px";
    this.bars.resize();
    this.box.dispatchEvent(new CustomEvent("map:rendered", { bubbles: true }));
  };

  document.addEventListener("DOMContentLoaded", function () {
    const box = document.getElementById("region-map");
    if (!box || !window.echarts) return;
    const data = G.readJson("map-data");
    if (!data) return;
    G.regionMap = new RegionMap(box);
    G.regionMap.show(data);
  });
})();
