/* Co-building: the in-service member's registration page finds the community from the phone's location. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});

  document.addEventListener("click", function (evt) {
    const btn = evt.target.closest("[data-locate]");
    if (!btn) return;
    evt.preventDefault();
    if (!navigator.geolocation) {
      G.toast("当前浏览器不支持定位，请输入地址或按街道选择", "warning");
      return;
    }
    btn.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        btn.disabled = false;
        const url =
          btn.dataset.url +
          "?lng=" + encodeURIComponent(pos.coords.longitude.toFixed(6)) +
          "&lat=" + encodeURIComponent(pos.coords.latitude.toFixed(6));
        window.htmx.ajax("GET", url, { target: btn.dataset.target, swap: "innerHTML" });
      },
      function () {
        btn.disabled = false;
        G.toast("无法获取位置，请输入地址或按街道选择", "warning");
      },
      { enableHighAccuracy: true, timeout: 10000 }
    );
  });
})();
