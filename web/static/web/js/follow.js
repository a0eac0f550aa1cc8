// Done page: copy the tracking code with one tap (it stays selectable by hand without JavaScript).
const button = document.getElementById("copy-code");
const status = document.getElementById("copy-status");
if (button) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.code);
      status.textContent = button.dataset.copied;
    } catch {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById("tracking-code"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      status.textContent = button.dataset.selected;
    }
  });
}
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
