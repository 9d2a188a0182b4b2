// Course website: small fixes on top of sphinx-book-theme and the widget manager (loaded deferred, after MathJax).
(function () {
  // The widget manager typesets labels with MathJax 2's API (MathJax.Hub.Queue); the site runs MathJax 3.
  if (window.MathJax && !window.MathJax.Hub) {
    window.MathJax.Hub = {
      Queue: function (job) {
        const node = Array.isArray(job) ? job[2] : undefined;
        const mj = window.MathJax;
        if (mj.startup && mj.startup.promise) {
          mj.startup.promise.then(() => mj.typesetPromise(node ? [node] : undefined)).catch(() => {});
        }
      },
    };
  }

  // Sliders drawn by the widget manager have role="slider" but no accessible name: use their label.
  function nameSliders(root) {
    root.querySelectorAll('[role="slider"]:not([aria-label]):not([aria-labelledby])').forEach((handle) => {
      const widget = handle.closest(".widget-slider, .jupyter-widgets");
      const label = widget && widget.querySelector(".widget-label");
      const text = label && label.textContent.trim();
      handle.setAttribute("aria-label", text ? `${text} (slider)` : "slider");
    });
  }

  // The theme's search button has aria-label "Search" but also shows a keyboard shortcut: let its visible
  // text be its name, so what is read out matches what is shown.
  function nameSearchButtons(root) {
    root.querySelectorAll(".search-button__button[aria-label]").forEach((b) => b.removeAttribute("aria-label"));
  }

  function fix(root) {
    nameSliders(root);
    nameSearchButtons(root);
  }

  document.addEventListener("DOMContentLoaded", () => {
    fix(document);
    new MutationObserver(() => fix(document)).observe(document.body, { childList: true, subtree: true });
  });
})();
