/* Grassroots page behaviour shared by every page. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});
  // The CSP has no 'unsafe-eval': htmx must never evaluate attribute code (hx-on, js: values).
  if (window.htmx) window.htmx.config.allowEval = false;

  // CSRF token on every htmx request (Django reads X-CSRFToken).
  document.addEventListener("htmx:configRequest", function (evt) {
    const token = document.querySelector("meta[name=csrf-token]");
    if (token) evt.detail.headers["X-CSRFToken"] = token.content;
  });

  // Show server errors from htmx requests instead of failing silently.
  document.addEventListener("htmx:responseError", function (evt) {
    let msg = "操作失败，请稍后重试";
    try {
      const body = JSON.parse(evt.detail.xhr.responseText);
      msg = body.detail || body.title || msg;
    } catch (e) {
      if (evt.detail.xhr.status === 404) msg = "对象不存在或无权访问";
      if (evt.detail.xhr.status === 403) msg = "没有执行此操作的权限";
    }
    G.toast(msg, "danger");
  });

  G.toast = function (message, kind) {
    const box = document.getElementById("toasts");
    if (!box) return alert(message);
    const el = document.createElement("div");
    el.className = "alert alert-" + (kind || "info") + " alert-dismissible shadow-sm";
    el.setAttribute("role", "alert");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(() => el.remove(), 6000);
  };

  // Every chart tooltip formatter that returns HTML builds it from escaped text: names of regions,
  // grids, organisations and people come from users and must never be read as markup.
  const HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  G.escapeHtml = function (value) {
    return value === null || value === undefined ? "" : String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
  };

  G.readJson = function (id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  // Charts: <div data-chart="json-script-id"> holds an ECharts option rendered by the server.
  G.charts = [];
  G.initCharts = function (root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el._chart) return;
      const option = G.readJson(el.dataset.chart);
      if (!option) return;
      el._chart = echarts.init(el, null, { renderer: "canvas" });
      el._chart.setOption(option);
      G.charts.push(el._chart);
    });
  };
  window.addEventListener("resize", function () {
    G.charts.forEach((c) => c.resize());
  });
  document.addEventListener("DOMContentLoaded", function () { G.initCharts(); });
  document.addEventListener("htmx:afterSettle", function (evt) { G.initCharts(evt.target); });
})();
