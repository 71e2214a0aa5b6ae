/* Case intake (H5 随手拍 and staff intake): locate by the browser, by a tap on the base map, or by
   address; pick a suggested category; warn about too many photos. Data comes from json_script. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});

  function setPoint(form, lng, lat, how) {
    const x = form.querySelector("[name=lng]");
    const y = form.querySelector("[name=lat]");
    if (!x || !y) return;
    x.value = lng.toFixed(6);
    y.value = lat.toFixed(6);
    const text = form.querySelector("[data-location-text]");
    if (text) text.textContent = how + "：" + x.value + ", " + y.value;
    const el = form.querySelector("[data-intake-map]");
    if (el && el._map) G.basemapPin(el._map, lng, lat);
  }

  function renderMap(el) {
    if (!window.L || el._map) return;
    const data = G.readJson(el.dataset.intakeMap);
    if (!data || !data.geojson || !data.geojson.features.length) {
      el.classList.add("d-none");
      return;
    }
    const grids = data.geojson.features.filter((f) => f.properties.kind === "grid").length;
    const form = el.closest("form");
    const map = G.basemap(el, data.geojson, {
      style: (f) => f.properties.kind === "grid"
        ? { color: "#206bc4", weight: 1, fillColor: "#206bc4", fillOpacity: 0.05 }
        : { color: "#475569", weight: 2, fillColor: "#f1f5f9", fillOpacity: 0.15 },
      // Community names always; grid names only when a staff user sees a handful of grids.
      label: (f) => (f.properties.kind === "grid" ? (grids <= 40 ? f.properties.label : "") : f.properties.label),
      tap: (lng, lat) => setPoint(form, lng, lat, "地图选点"),
    });
    if (!map) return;
    const x = form.querySelector("[name=lng]");
    const y = form.querySelector("[name=lat]");
    if (x && y && x.value && y.value) setPoint(form, parseFloat(x.value), parseFloat(y.value), "已选位置");
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
