/* Case intake (H5 随手拍 and staff intake): locate by the browser, by a tap on the grid map, or by
   address; pick a suggested category; warn about too many photos. Data comes from json_script. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});
  let seq = 0;

  function setPoint(form, lng, lat, how) {
    const x = form.querySelector("[name=lng]");
    const y = form.querySelector("[name=lat]");
    if (!x || !y) return;
    x.value = lng.toFixed(6);
    y.value = lat.toFixed(6);
    const text = form.querySelector("[data-location-text]");
    if (text) text.textContent = how + "：" + x.value + ", " + y.value;
    const el = form.querySelector("[data-intake-map]");
    if (el && el._chart) {
      el._chart.setOption({ series: [{ id: "pin", data: [[lng, lat]] }] });
    }
  }

  function renderMap(el) {
    if (!window.echarts || el._chart) return;
    const data = G.readJson(el.dataset.intakeMap);
    if (!data || !data.geojson || !data.geojson.features.length) {
      el.classList.add("d-none");
      return;
    }
    const name = "intake-" + ++seq;
    echarts.registerMap(name, data.geojson);
    const regions = data.geojson.features.map(function (f) {
      const grid = f.properties.name.indexOf("g:") === 0;
      return {
        name: f.properties.name,
        itemStyle: grid
          ? { areaColor: "rgba(32,107,196,0.06)", borderColor: "#206bc4", borderWidth: 0.6 }
          : { areaColor: "#f1f5f9", borderColor: "#475569", borderWidth: 1.5 },
      };
    });
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "item", formatter: (p) => (p.name && p.name.indexOf(":") > 0 ? G.escapeHtml(labelOf(data, p.name)) : "") },
      geo: { map: name, roam: true, nameProperty: "name", label: { show: false }, regions: regions, emphasis: { label: { show: false } } },
      series: [
        {
          id: "pin",
          type: "scatter",
          coordinateSystem: "geo",
          symbol: "pin",
          symbolSize: 34,
          itemStyle: { color: "#d63939" },
          data: [],
          z: 10,
        },
      ],
    });
    chart.getZr().on("click", function (evt) {
      const pt = chart.convertFromPixel({ geoIndex: 0 }, [evt.offsetX, evt.offsetY]);
      if (pt && isFinite(pt[0]) && isFinite(pt[1])) setPoint(el.closest("form"), pt[0], pt[1], "地图选点");
    });
    el._chart = chart;
    el.dataset.ready = "1";
    (G.charts = G.charts || []).push(chart);
    const form = el.closest("form");
    const x = form.querySelector("[name=lng]");
    const y = form.querySelector("[name=lat]");
    if (x && y && x.value && y.value) setPoint(form, parseFloat(x.value), parseFloat(y.value), "已选位置");
  }

  function labelOf(data, name) {
    const f = data.geojson.features.find((it) => it.properties.name === name);
    return f ? f.properties.label : "";
  }

  function init(root) {
    const scope = root || document;
    scope.querySelectorAll("[data-intake-map]").forEach(renderMap);
    scope.querySelectorAll("[data-geolocate]").forEach(function (btn) {
      if (btn._geo) return;
      btn._geo = true;
      btn.addEventListener("click", function () {
        if (!navigator.geolocation) {
          G.toast("当前浏览器不支持定位，请在地图上点选或填写地址", "warning");
          return;
        }
        btn.disabled = true;
        navigator.geolocation.getCurrentPosition(
          function (pos) {
            btn.disabled = false;
            setPoint(btn.closest("form"), pos.coords.longitude, pos.coords.latitude, "当前位置");
          },
          function () {
            btn.disabled = false;
            G.toast("无法获取位置，请在地图上点选或填写地址", "warning");
          },
          { enableHighAccuracy: true, timeout: 10000 }
        );
      });
    });
    scope.querySelectorAll("input[type=file][data-max-files]").forEach(function (input) {
      if (input._max) return;
      input._max = true;
      input.addEventListener("change", function () {
        const max = parseInt(input.dataset.maxFiles, 10);
        if (input.files.length > max) {
          G.toast("最多上传 " + max + " 张照片，请重新选择", "warning");
          input.value = "";
        }
      });
    });
  }

  document.addEventListener("click", function (evt) {
    const btn = evt.target.closest("[data-pick-category]");
    if (!btn) return;
    const form = btn.closest("form") || document.querySelector("[data-intake-form]");
    const select = form && form.querySelector("[name=category]");
    if (select) {
      select.value = btn.dataset.pickCategory;
      G.toast("已选择类别：" + btn.textContent.trim(), "success");
    }
  });
  document.addEventListener("DOMContentLoaded", () => init());
  document.addEventListener("htmx:afterSettle", (evt) => init(evt.target));
})();
