// Modal dialogs (<dialog>: focus moves in, Escape cancels): the API-key prompt, the revoke
// confirmation and the new-expiry picker. Each returns a promise of the person's answer.

function modal(dialog, form, cancelButton, onSubmit) {
  return new Promise((resolve) => {
    const done = (value) => {
      form.removeEventListener("submit", submit);
      dialog.removeEventListener("cancel", cancel);
      if (cancelButton) cancelButton.removeEventListener("click", cancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const submit = (ev) => {
      ev.preventDefault();
      const value = onSubmit();
      if (value !== undefined) done(value);
    };
    const cancel = (ev) => {
      ev.preventDefault();
      done(null);
    };
    form.addEventListener("submit", submit);
    dialog.addEventListener("cancel", cancel);
    if (cancelButton) cancelButton.addEventListener("click", cancel);
    dialog.showModal();
  });
}

/** Asks for an API key; `error` explains why (a rejected key). Resolves with the key. The
 * prompt cannot be dismissed: without a key the page has nothing to show. */
export function askKey(error) {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  document.getElementById("key-error").textContent = error || "";
  input.value = "";
  const p = modal(dialog, document.getElementById("key-form"), null, () => {
    const k = input.value.trim();
    input.value = "";
    return k ? k : undefined;
  });
  input.focus();
  return p.then((k) => k || askKey(error));
}

/** Asks to confirm `text`; resolves true on "Revoke". */
export function confirm(title, text) {
  document.getElementById("confirm-h").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  return modal(
    document.getElementById("confirm-dialog"),
    document.getElementById("confirm-form"),
    document.getElementById("confirm-cancel"),
    () => true,
  ).then((v) => v === true);
}

/** Asks for a new expiry date for `share`, proposed 7 days after its expiry (or today);
 * resolves with an RFC 3339 time (end of that day, UTC) or null. */
export function newExpiry(share) {
  const input = document.getElementById("extend-date");
  const base = Math.max(Date.now(), share.expires_at ? Date.parse(share.expires_at) : 0);
  input.value = new Date(base + 7 * 86400000).toISOString().slice(0, 10);
  input.min = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  document.getElementById("extend-text").textContent =
    `${share.name}: expires ${share.expires_at ? share.expires_at : "never"}`;
  return modal(
    document.getElementById("extend-dialog"),
    document.getElementById("extend-form"),
    document.getElementById("extend-cancel"),
    () => (input.value ? input.value + "T23:59:59Z" : undefined),
  );
}
