// Yibao staff interface: progressive enhancement only — every form also works without this script.
"use strict";

// Fill a textarea from a chosen file (an itemised bill exported as CSV or text).
function bindFiles(root) {
  for (const input of root.querySelectorAll("input[type=file][data-fill]")) {
    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      if (!file) return;
      file.text().then((text) => {
        const target = input.form.querySelector(`[name="${input.dataset.fill}"]`);
        if (target) target.value = text;
      });
    });
  }
}

// Pre-settle without leaving the page: post the bill and show the answer's bill section (with its preview).
function bindBill() {
  const bill = document.getElementById("bill-form");
  if (!bill) return;
  bill.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const button = bill.querySelector("button[type=submit]");
    button.disabled = true;
    button.textContent = "计算中…";
    fetch(bill.action, { method: "POST", body: new URLSearchParams(new FormData(bill)), credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const fresh = doc.getElementById("bill");
        const here = document.getElementById("bill");
        if (fresh && here) {
          here.replaceWith(fresh);
          bindFiles(fresh);
          bindBill();
        } else {
          document.open(); document.write(html); document.close();
        }
      })
      .catch(() => { button.disabled = false; button.textContent = "预结算"; alert("网络错误，请重试"); });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  bindFiles(document);
  bindBill();
  for (const f of document.querySelectorAll("form[data-confirm]")) {
    f.addEventListener("submit", (ev) => { if (!confirm(f.dataset.confirm)) ev.preventDefault(); });
  }
});
