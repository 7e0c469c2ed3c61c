// Calls to the gateway's HTTP API, same origin only. The API key (when the gateway has keys)
// lives in this tab's sessionStorage and goes out only as an `Authorization: Bearer` header:
// never in a URL, never logged.

const KEY = "unishare.api_key";

/** A 401: the key is missing or unknown. */
export class AuthError extends Error {}

/** Any other error answer, with the problem document's detail and request id. */
export class ApiProblem extends Error {
  constructor(status, problem) {
    const detail = problem && problem.detail ? problem.detail : "HTTP " + status;
    const id = problem && problem.request_id ? " (request " + problem.request_id + ")" : "";
    super(detail + id);
    this.status = status;
    this.problem = problem;
  }
}

/** The key this tab uses, or null. */
export function key() {
  return sessionStorage.getItem(KEY);
}

/** Keeps `k` for this tab. */
export function setKey(k) {
  sessionStorage.setItem(KEY, k);
}

/** Forgets the key. */
export function clearKey() {
  sessionStorage.removeItem(KEY);
}

function headers(extra = {}) {
  const h = { Accept: "application/json", ...extra };
  const k = key();
  if (k) h.Authorization = "Bearer " + k;
  return h;
}

async function check(resp) {
  if (resp.status === 401) throw new AuthError("the API key is missing or unknown");
  if (!resp.ok) {
    let problem = null;
    try {
      problem = await resp.json();
    } catch {
      problem = null;
    }
    throw new ApiProblem(resp.status, problem);
  }
  return resp;
}

/** `path` with `params` (URLSearchParams or null) as its query. */
export function url(path, params) {
  const qs = params ? params.toString() : "";
  return qs ? path + "?" + qs : path;
}

/** GET `path` → parsed JSON. */
export async function get(path, params = null) {
  const resp = await fetch(url(path, params), {
    headers: headers(),
    credentials: "omit",
  });
  return (await check(resp)).json();
}

/** `method` `path` with a JSON body → parsed JSON (null for 204). */
export async function send(method, path, body) {
  const init = { method, headers: headers(), credentials: "omit" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await check(await fetch(path, init));
  return resp.status === 204 ? null : resp.json();
}

/** GET `path` as a file: saved under the name of its Content-Disposition header. */
export async function download(path, params) {
  const resp = await check(
    await fetch(url(path, params), { headers: headers({ Accept: "*/*" }), credentials: "omit" }),
  );
  const cd = resp.headers.get("content-disposition") || "";
  const m = /filename="([^"]+)"/.exec(cd);
  const blob = await resp.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = m ? m[1] : "unishare-shares.csv";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}
