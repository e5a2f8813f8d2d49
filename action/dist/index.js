// the GitHub Action of Wharf, built from lambdas/cli/github-action-main.ts by `npm run build:clients`. Do not edit: rebuild.
import { createRequire as __wharfCreateRequire } from 'node:module';
const require = __wharfCreateRequire(import.meta.url);
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __commonJS = (cb, mod) => function __require() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// node_modules/@renovatebot/pep440/lib/version.js
var require_version = __commonJS({
  "node_modules/@renovatebot/pep440/lib/version.js"(exports, module) {
    var VERSION_PATTERN2 = [
      "v?",
      "(?:",
      /* */
      "(?:(?<epoch>[0-9]+)!)?",
      // epoch
      /* */
      "(?<release>[0-9]+(?:\\.[0-9]+)*)",
      // release segment
      /* */
      "(?<pre>",
      // pre-release
      /*    */
      "[-_\\.]?",
      /*    */
      "(?<pre_l>(a|b|c|rc|alpha|beta|pre|preview))",
      /*    */
      "[-_\\.]?",
      /*    */
      "(?<pre_n>[0-9]+)?",
      /* */
      ")?",
      /* */
      "(?<post>",
      // post release
      /*    */
      "(?:-(?<post_n1>[0-9]+))",
      /*    */
      "|",
      /*    */
      "(?:",
      /*        */
      "[-_\\.]?",
      /*        */
      "(?<post_l>post|rev|r)",
      /*        */
      "[-_\\.]?",
      /*        */
      "(?<post_n2>[0-9]+)?",
      /*    */
      ")",
      /* */
      ")?",
      /* */
      "(?<dev>",
      // dev release
      /*    */
      "[-_\\.]?",
      /*    */
      "(?<dev_l>dev)",
      /*    */
      "[-_\\.]?",
      /*    */
      "(?<dev_n>[0-9]+)?",
      /* */
      ")?",
      ")",
      "(?:\\+(?<local>[a-z0-9]+(?:[-_\\.][a-z0-9]+)*))?"
      // local version
    ].join("");
    module.exports = {
      VERSION_PATTERN: VERSION_PATTERN2,
      valid: valid2,
      clean,
      explain,
      parse: parse2,
      stringify: stringify2
    };
    var validRegex = new RegExp("^" + VERSION_PATTERN2 + "$", "i");
    function valid2(version) {
      return validRegex.test(version) ? version : null;
    }
    var cleanRegex = new RegExp("^\\s*" + VERSION_PATTERN2 + "\\s*$", "i");
    function clean(version) {
      return stringify2(parse2(version, cleanRegex));
    }
    function parse2(version, regex) {
      const { groups } = (regex || validRegex).exec(version) || {};
      if (!groups) {
        return null;
      }
      const parsed = {
        epoch: Number(groups.epoch ? groups.epoch : 0),
        release: groups.release.split(".").map(Number),
        pre: normalize_letter_version(groups.pre_l, groups.pre_n),
        post: normalize_letter_version(
          groups.post_l,
          groups.post_n1 || groups.post_n2
        ),
        dev: normalize_letter_version(groups.dev_l, groups.dev_n),
        local: parse_local_version(groups.local)
      };
      return parsed;
    }
    function stringify2(parsed) {
      if (!parsed) {
        return null;
      }
      const { epoch, release, pre, post, dev, local } = parsed;
      const parts = [];
      if (epoch !== 0) {
        parts.push(`${epoch}!`);
      }
      parts.push(release.join("."));
      if (pre) {
        parts.push(pre.join(""));
      }
      if (post) {
        parts.push("." + post.join(""));
      }
      if (dev) {
        parts.push("." + dev.join(""));
      }
      if (local) {
        parts.push(`+${local}`);
      }
      return parts.join("");
    }
    function normalize_letter_version(letterIn, numberIn) {
      let letter = letterIn;
      let number = numberIn;
      if (letter) {
        if (!number) {
          number = 0;
        }
        letter = letter.toLowerCase();
        if (letter === "alpha") {
          letter = "a";
        } else if (letter === "beta") {
          letter = "b";
        } else if (["c", "pre", "preview"].includes(letter)) {
          letter = "rc";
        } else if (["rev", "r"].includes(letter)) {
          letter = "post";
        }
        return [letter, Number(number)];
      }
      if (!letter && number) {
        letter = "post";
        return [letter, Number(number)];
      }
      return null;
    }
    function parse_local_version(local) {
      if (local) {
        return local.split(/[._-]/).map(
          (part) => Number.isNaN(Number(part)) ? part.toLowerCase() : Number(part)
        );
      }
      return null;
    }
    function explain(version) {
      const parsed = parse2(version);
      if (!parsed) {
        return parsed;
      }
      const { epoch, release, pre, post, dev, local } = parsed;
      let base_version = "";
      if (epoch !== 0) {
        base_version += epoch + "!";
      }
      base_version += release.join(".");
      const is_prerelease = Boolean(dev || pre);
      const is_devrelease = Boolean(dev);
      const is_postrelease = Boolean(post);
      return {
        epoch,
        release,
        pre,
        post: post ? post[1] : post,
        dev: dev ? dev[1] : dev,
        local: local ? local.join(".") : local,
        public: stringify2(parsed).split("+", 1)[0],
        base_version,
        is_prerelease,
        is_devrelease,
        is_postrelease
      };
    }
  }
});

// node_modules/@renovatebot/pep440/lib/operator.js
var require_operator = __commonJS({
  "node_modules/@renovatebot/pep440/lib/operator.js"(exports, module) {
    var { parse: parse2 } = require_version();
    module.exports = {
      compare,
      rcompare,
      lt,
      le,
      eq,
      ne,
      ge,
      gt,
      "<": lt,
      "<=": le,
      "==": eq,
      "!=": ne,
      ">=": ge,
      ">": gt,
      "===": arbitrary
    };
    function lt(version, other) {
      return compare(version, other) < 0;
    }
    function le(version, other) {
      return compare(version, other) <= 0;
    }
    function eq(version, other) {
      return compare(version, other) === 0;
    }
    function ne(version, other) {
      return compare(version, other) !== 0;
    }
    function ge(version, other) {
      return compare(version, other) >= 0;
    }
    function gt(version, other) {
      return compare(version, other) > 0;
    }
    function arbitrary(version, other) {
      return version.toLowerCase() === other.toLowerCase();
    }
    function compare(version, other) {
      const parsedVersion = parse2(version);
      const parsedOther = parse2(other);
      const keyVersion = calculateKey(parsedVersion);
      const keyOther = calculateKey(parsedOther);
      return pyCompare(keyVersion, keyOther);
    }
    function rcompare(version, other) {
      return -compare(version, other);
    }
    function pyCompare(elemIn, otherIn) {
      let elem = elemIn;
      let other = otherIn;
      if (elem === other) {
        return 0;
      }
      if (Array.isArray(elem) !== Array.isArray(other)) {
        elem = Array.isArray(elem) ? elem : [elem];
        other = Array.isArray(other) ? other : [other];
      }
      if (Array.isArray(elem)) {
        const len = Math.min(elem.length, other.length);
        for (let i = 0; i < len; i += 1) {
          const res = pyCompare(elem[i], other[i]);
          if (res !== 0) {
            return res;
          }
        }
        return elem.length - other.length;
      }
      if (elem === -Infinity || other === Infinity) {
        return -1;
      }
      if (elem === Infinity || other === -Infinity) {
        return 1;
      }
      return elem < other ? -1 : 1;
    }
    function calculateKey(input) {
      const { epoch } = input;
      let { release, pre, post, local, dev } = input;
      release = release.concat();
      release.reverse();
      while (release.length && release[0] === 0) {
        release.shift();
      }
      release.reverse();
      if (!pre && !post && dev) pre = -Infinity;
      else if (!pre) pre = Infinity;
      if (!post) post = -Infinity;
      if (!dev) dev = Infinity;
      if (!local) {
        local = -Infinity;
      } else {
        local = local.map(
          (i) => Number.isNaN(Number(i)) ? [-Infinity, i] : [Number(i), ""]
        );
      }
      return [epoch, release, pre, post, dev, local];
    }
  }
});

// node_modules/@renovatebot/pep440/lib/specifier.js
var require_specifier = __commonJS({
  "node_modules/@renovatebot/pep440/lib/specifier.js"(exports, module) {
    var { VERSION_PATTERN: VERSION_PATTERN2, explain: explainVersion } = require_version();
    var Operator = require_operator();
    var RANGE_PATTERN = [
      "(?<operator>(===|~=|==|!=|<=|>=|<|>))",
      "\\s*",
      "(",
      /*  */
      "(?<version>(?:" + VERSION_PATTERN2.replace(/\?<\w+>/g, "?:") + "))",
      /*  */
      "(?<prefix>\\.\\*)?",
      /*  */
      "|",
      /*  */
      "(?<legacy>[^,;\\s)]+)",
      ")"
    ].join("");
    module.exports = {
      RANGE_PATTERN,
      parse: parse2,
      satisfies,
      filter,
      validRange: validRange2,
      maxSatisfying,
      minSatisfying
    };
    var isEqualityOperator = (op) => ["==", "!=", "==="].includes(op);
    var rangeRegex = new RegExp("^" + RANGE_PATTERN + "$", "i");
    function parse2(ranges) {
      if (!ranges.trim()) {
        return [];
      }
      const specifiers = ranges.split(",").map((range) => rangeRegex.exec(range.trim()) || {}).map(({ groups }) => {
        if (!groups) {
          return null;
        }
        let { ...spec } = groups;
        const { operator, version, prefix, legacy } = groups;
        if (version) {
          spec = { ...spec, ...explainVersion(version) };
          if (operator === "~=") {
            if (spec.release.length < 2) {
              return null;
            }
          }
          if (!isEqualityOperator(operator) && spec.local) {
            return null;
          }
          if (prefix) {
            if (!isEqualityOperator(operator) || spec.dev || spec.local) {
              return null;
            }
          }
        }
        if (legacy && operator !== "===") {
          return null;
        }
        return spec;
      });
      if (specifiers.filter(Boolean).length !== specifiers.length) {
        return null;
      }
      return specifiers;
    }
    function filter(versions, specifier, options = {}) {
      const filtered = pick(versions, specifier, options);
      if (filtered.length === 0 && options.prereleases === void 0) {
        return pick(versions, specifier, { prereleases: true });
      }
      return filtered;
    }
    function maxSatisfying(versions, range, options) {
      const found = filter(versions, range, options).sort(Operator.compare);
      return found.length === 0 ? null : found[found.length - 1];
    }
    function minSatisfying(versions, range, options) {
      const found = filter(versions, range, options).sort(Operator.compare);
      return found.length === 0 ? null : found[0];
    }
    function pick(versions, specifier, options) {
      const parsed = parse2(specifier);
      if (!parsed) {
        return [];
      }
      return versions.filter((version) => {
        const explained = explainVersion(version);
        if (!parsed.length) {
          return explained && !(explained.is_prerelease && !options.prereleases);
        }
        return parsed.reduce((pass, spec) => {
          if (!pass) {
            return false;
          }
          return contains({ ...spec, ...options }, { version, explained });
        }, true);
      });
    }
    function satisfies(version, specifier, options = {}) {
      const filtered = pick([version], specifier, options);
      return filtered.length === 1;
    }
    function arrayStartsWith(array, prefix) {
      if (prefix.length > array.length) {
        return false;
      }
      for (let i = 0; i < prefix.length; i += 1) {
        if (prefix[i] !== array[i]) {
          return false;
        }
      }
      return true;
    }
    function contains(specifier, input) {
      const { explained } = input;
      let { version } = input;
      const { ...spec } = specifier;
      if (spec.prereleases === void 0) {
        spec.prereleases = spec.is_prerelease;
      }
      if (explained && explained.is_prerelease && !spec.prereleases) {
        return false;
      }
      if (spec.operator === "~=") {
        let compatiblePrefix = spec.release.slice(0, -1).concat("*").join(".");
        if (spec.epoch) {
          compatiblePrefix = spec.epoch + "!" + compatiblePrefix;
        }
        return satisfies(version, `>=${spec.version}, ==${compatiblePrefix}`, {
          prereleases: spec.prereleases
        });
      }
      if (spec.prefix) {
        const isMatching = explained.epoch === spec.epoch && arrayStartsWith(explained.release, spec.release);
        const isEquality = spec.operator !== "!=";
        return isEquality ? isMatching : !isMatching;
      }
      if (explained) {
        if (explained.local && spec.version) {
          version = explained.public;
          spec.version = explainVersion(spec.version).public;
        }
      }
      if (spec.operator === "<" || spec.operator === ">") {
        if (Operator.eq(spec.release.join("."), explained.release.join("."))) {
          return false;
        }
      }
      const op = Operator[spec.operator];
      return op(version, spec.version || spec.legacy);
    }
    function validRange2(specifier) {
      return Boolean(parse2(specifier));
    }
  }
});

// node_modules/@renovatebot/pep440/lib/semantic.js
var require_semantic = __commonJS({
  "node_modules/@renovatebot/pep440/lib/semantic.js"(exports, module) {
    var { explain, parse: parse2, stringify: stringify2 } = require_version();
    module.exports = {
      major,
      minor,
      patch,
      inc
    };
    function major(input) {
      const version = explain(input);
      if (!version) {
        throw new TypeError("Invalid Version: " + input);
      }
      return version.release[0];
    }
    function minor(input) {
      const version = explain(input);
      if (!version) {
        throw new TypeError("Invalid Version: " + input);
      }
      if (version.release.length < 2) {
        return 0;
      }
      return version.release[1];
    }
    function patch(input) {
      const version = explain(input);
      if (!version) {
        throw new TypeError("Invalid Version: " + input);
      }
      if (version.release.length < 3) {
        return 0;
      }
      return version.release[2];
    }
    function inc(input, release, preReleaseIdentifier) {
      let identifier = preReleaseIdentifier || `a`;
      const version = parse2(input);
      if (!version) {
        return null;
      }
      if (!["a", "b", "c", "rc", "alpha", "beta", "pre", "preview"].includes(
        identifier
      )) {
        return null;
      }
      switch (release) {
        case "premajor":
          {
            const [majorVersion] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion + 1;
          }
          version.pre = [identifier, 0];
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "preminor":
          {
            const [majorVersion, minorVersion = 0] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion;
            version.release[1] = minorVersion + 1;
          }
          version.pre = [identifier, 0];
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "prepatch":
          {
            const [majorVersion, minorVersion = 0, patchVersion = 0] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion;
            version.release[1] = minorVersion;
            version.release[2] = patchVersion + 1;
          }
          version.pre = [identifier, 0];
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "prerelease":
          if (version.pre === null) {
            const [majorVersion, minorVersion = 0, patchVersion = 0] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion;
            version.release[1] = minorVersion;
            version.release[2] = patchVersion + 1;
            version.pre = [identifier, 0];
          } else {
            if (preReleaseIdentifier === void 0 && version.pre !== null) {
              [identifier] = version.pre;
            }
            const [letter, number] = version.pre;
            if (letter === identifier) {
              version.pre = [letter, number + 1];
            } else {
              version.pre = [identifier, 0];
            }
          }
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "major":
          if (version.release.slice(1).some((value) => value !== 0) || version.pre === null) {
            const [majorVersion] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion + 1;
          }
          delete version.pre;
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "minor":
          if (version.release.slice(2).some((value) => value !== 0) || version.pre === null) {
            const [majorVersion, minorVersion = 0] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion;
            version.release[1] = minorVersion + 1;
          }
          delete version.pre;
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "patch":
          if (version.release.slice(3).some((value) => value !== 0) || version.pre === null) {
            const [majorVersion, minorVersion = 0, patchVersion = 0] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion;
            version.release[1] = minorVersion;
            version.release[2] = patchVersion + 1;
          }
          delete version.pre;
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        default:
          return null;
      }
      return stringify2(version);
    }
  }
});

// node_modules/@renovatebot/pep440/index.js
var require_pep440 = __commonJS({
  "node_modules/@renovatebot/pep440/index.js"(exports, module) {
    var { valid: valid2, clean, explain, parse: parse2 } = require_version();
    var { lt, le, eq, ne, ge, gt, compare, rcompare } = require_operator();
    var {
      filter,
      maxSatisfying,
      minSatisfying,
      RANGE_PATTERN,
      satisfies,
      validRange: validRange2
    } = require_specifier();
    var { major, minor, patch, inc } = require_semantic();
    module.exports = {
      // version
      valid: valid2,
      clean,
      explain,
      parse: parse2,
      // operator
      lt,
      le,
      lte: le,
      eq,
      ne,
      neq: ne,
      ge,
      gte: ge,
      gt,
      compare,
      rcompare,
      // range
      filter,
      maxSatisfying,
      minSatisfying,
      RANGE_PATTERN,
      satisfies,
      validRange: validRange2,
      // semantic
      major,
      minor,
      patch,
      inc
    };
  }
});

// wharf-without-aws:./aws-exchange.ts
var require_aws_exchange = __commonJS({
  "wharf-without-aws:./aws-exchange.ts"() {
    throw new Error("Publishing with an AWS role (--aws) is not in the GitHub Action: on GitHub, publish by trusted publishing (the default), or with a token.");
  }
});

// lambdas/cli/github-action.ts
import { readdir, stat as stat2 } from "node:fs/promises";
import path3 from "node:path";

// lambdas/cli/publish-command.ts
import { readFile as readFile2 } from "node:fs/promises";
import path2 from "node:path";

// lambdas/cli/no-local-server.ts
var NoLocalServerError = class extends Error {
};
var NO_LOCAL_SERVER = "this client publishes to an index by its URL: pass --url https://YOUR-INDEX (the default, a local server found by its data directory, needs a Wharf checkout).";
var readServerState = async () => {
  throw new NoLocalServerError(NO_LOCAL_SERVER);
};
var processAlive = () => false;
var readKeptAdminToken = async () => {
  throw new NoLocalServerError(NO_LOCAL_SERVER);
};

// lambdas/cli/command-line.ts
function helpLine(command) {
  return `Run \`${command} --help\` for usage.`;
}
function usageMessage(command, message) {
  return `${command}: ${message}
${helpLine(command)}
`;
}

// lambdas/cli/wharf-answer.ts
var NotWharfError = class extends Error {
};
function notWharfMessage(url, answer) {
  const type = answer.contentType?.split(";")[0]?.trim() || "no content type";
  const firstLine = answer.text.trim().split("\n")[0]?.trim() ?? "";
  const said = type === "text/plain" && firstLine ? ` ("${firstLine.length > 80 ? `${firstLine.slice(0, 79)}\u2026` : firstLine}")` : "";
  return `${url} answered ${answer.status} ${type}${said}; it does not look like a Wharf index: check --url.`;
}
function wharfJson(url, answer, expected) {
  let value;
  try {
    value = JSON.parse(answer.text);
  } catch {
    value = void 0;
  }
  const object = typeof value === "object" && value !== null && !Array.isArray(value) ? value : void 0;
  const ok = answer.status >= 200 && answer.status < 300;
  if (!object || !ok && typeof object["error"] !== "string" || ok && expected !== void 0 && !(expected in object)) {
    throw new NotWharfError(notWharfMessage(url, answer));
  }
  return object;
}
function jsonRequest(method, token, body) {
  return {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/json",
      ...body !== void 0 ? { "content-type": "application/json" } : {}
    },
    ...body !== void 0 ? { body: JSON.stringify(body) } : {}
  };
}

// lambdas/cli/oidc-exchange.ts
var OidcExchangeError = class extends Error {
};
function indexBaseUrl(url) {
  return url.replace(/\/+$/, "").replace(/\/(simple|legacy)$/, "");
}
async function request(url, init, timeoutMs) {
  let response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new OidcExchangeError(`Cannot reach ${url}: ${err.message}.`);
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = void 0;
  }
  return { status: response.status, ok: response.ok, contentType: response.headers.get("content-type"), body, text };
}
function fromWharf(indexUrl, r) {
  if (typeof r.body !== "object" || r.body === null || Array.isArray(r.body)) throw new NotWharfError(notWharfMessage(indexBaseUrl(indexUrl), r));
  return r;
}
async function fetchAudience(indexUrl, options = {}) {
  const url = `${indexBaseUrl(indexUrl)}/_/oidc/audience`;
  const r = fromWharf(indexUrl, await request(url, { headers: { accept: "application/json" } }, options.timeoutMs ?? 1e4));
  const audience = r.body?.audience;
  if (!r.ok || typeof audience !== "string") {
    throw new OidcExchangeError(
      r.status === 404 ? `${url} answered 404: this index does not offer trusted publishing.` : `${url} answered ${r.status} without an audience: ${r.text.slice(0, 200)}`
    );
  }
  return audience;
}
async function exchangeOidcToken(indexUrl, oidcToken, options = {}) {
  const url = `${indexBaseUrl(indexUrl)}/_/oidc/mint-token`;
  const r = fromWharf(
    indexUrl,
    await request(
      url,
      { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ token: oidcToken }) },
      options.timeoutMs ?? 1e4
    )
  );
  const body = r.body;
  if (!r.ok) {
    const reasons = Array.isArray(body?.errors) ? body.errors.map((e) => `${String(e.code)}: ${String(e.description)}`).join("; ") : r.text.slice(0, 300);
    throw new OidcExchangeError(`Trusted publishing exchange refused (${r.status}): ${reasons}`);
  }
  if (typeof body?.token !== "string") throw new OidcExchangeError(`${url} answered ${r.status} without a token: is it a Wharf?`);
  return {
    token: body.token,
    ...typeof body.expires === "string" ? { expires: body.expires } : {},
    ...Array.isArray(body.projects) ? { projects: body.projects.map(String) } : {}
  };
}
async function githubActionsOidcToken(audience, env = process.env, options = {}) {
  const requestUrl = env["ACTIONS_ID_TOKEN_REQUEST_URL"];
  const requestToken = env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"];
  if (!requestUrl || !requestToken) {
    throw new OidcExchangeError(
      "No GitHub Actions OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is unset. Run in GitHub Actions with `permissions: id-token: write` on the job."
    );
  }
  const url = new URL(requestUrl);
  url.searchParams.set("audience", audience);
  const r = await request(url.href, { headers: { authorization: `bearer ${requestToken}`, accept: "application/json" } }, options.timeoutMs ?? 1e4);
  const value = r.body?.value;
  if (!r.ok || typeof value !== "string") throw new OidcExchangeError(`GitHub's OIDC token service answered ${r.status}: ${r.text.slice(0, 200)}`);
  return value;
}
var ID_TOKEN_VARIABLE = "WHARF_ID_TOKEN";
var GOOGLE_METADATA_HOST = "metadata.google.internal";
function oidcSourceOf(env) {
  if (env[ID_TOKEN_VARIABLE]) return `${ID_TOKEN_VARIABLE}`;
  if (env["ACTIONS_ID_TOKEN_REQUEST_URL"]) return "GitHub Actions OIDC";
  return "the Google Cloud metadata server";
}
function audienceOf(jwt) {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
    if (typeof payload.aud === "string") return [payload.aud];
    if (Array.isArray(payload.aud)) return payload.aud.map(String);
  } catch {
  }
  return void 0;
}
function handedInOidcToken(audience, env) {
  const token = env[ID_TOKEN_VARIABLE].trim();
  const audiences = audienceOf(token);
  if (audiences && !audiences.includes(audience)) {
    throw new OidcExchangeError(
      `${ID_TOKEN_VARIABLE} is a token for the audience ${audiences.join(", ")}, and this index wants "${audience}": in GitLab, declare \`id_tokens: ${ID_TOKEN_VARIABLE}: aud: ${audience}\` on the job.`
    );
  }
  return token;
}
async function googleMetadataOidcToken(audience, env = process.env, options = {}) {
  const host = env["GCE_METADATA_HOST"] || GOOGLE_METADATA_HOST;
  const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${encodeURIComponent(audience)}&format=full`;
  let response;
  try {
    response = await fetch(url, { headers: { "metadata-flavor": "Google" }, signal: AbortSignal.timeout(options.timeoutMs ?? 3e3) });
  } catch {
    throw new OidcExchangeError(
      `No OIDC token to publish with: ${ID_TOKEN_VARIABLE} is unset, this is no GitHub Actions job with \`permissions: id-token: write\`, and no Google Cloud metadata server answers at ${host}. In GitLab, declare \`id_tokens: ${ID_TOKEN_VARIABLE}: aud: ${audience}\` on the job; elsewhere, set ${ID_TOKEN_VARIABLE} to an OIDC token for the audience "${audience}".`
    );
  }
  const text = (await response.text()).trim();
  if (!response.ok || response.headers.get("metadata-flavor") !== "Google" || text.split(".").length !== 3) {
    throw new OidcExchangeError(`The Google Cloud metadata server at ${host} answered ${response.status} without an identity token: ${text.slice(0, 200)}`);
  }
  return text;
}
async function ciOidcToken(audience, env = process.env) {
  if (env[ID_TOKEN_VARIABLE]) return handedInOidcToken(audience, env);
  if (env["ACTIONS_ID_TOKEN_REQUEST_URL"]) return githubActionsOidcToken(audience, env);
  return googleMetadataOidcToken(audience, env);
}
async function trustedPublishingToken(indexUrl, env = process.env) {
  const audience = await fetchAudience(indexUrl);
  return exchangeOidcToken(indexUrl, await ciOidcToken(audience, env));
}

// lambdas/cli/publish-client.ts
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import path from "node:path";

// lambdas/core/errors.ts
var WharfError = class extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
};
var InvalidInputError = class extends WharfError {
};

// lambdas/core/attestations.ts
var MAX_ATTESTATIONS_BYTES = 256 * 1024;

// lambdas/core/names.ts
var NORMALIZE_RUN = /[-_.]+/g;
var VALID_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
function normalizeName(name) {
  return name.replace(NORMALIZE_RUN, "-").toLowerCase();
}
function isValidName(name) {
  return name.length <= 200 && VALID_NAME.test(name);
}

// lambdas/core/versions.ts
var import_pep440 = __toESM(require_pep440(), 1);
var import_version = __toESM(require_version(), 1);
var VERSION_RE = new RegExp(`^${import_version.VERSION_PATTERN}$`, "i");
var PRE_LABELS = {
  a: "a",
  alpha: "a",
  b: "b",
  beta: "b",
  c: "rc",
  rc: "rc",
  pre: "rc",
  preview: "rc"
};
var DIGITS = /^[0-9]+$/;
function stripZeros(digits) {
  if (digits.charCodeAt(0) !== 48 || digits.length === 1) return digits;
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return digits.slice(i);
}
var PLAIN_RELEASE = /^[0-9]+(?:\.[0-9]+)*$/;
function parse(version) {
  if (PLAIN_RELEASE.test(version)) return { epoch: "0", release: version.split(".").map(stripZeros) };
  const groups = VERSION_RE.exec(version)?.groups;
  if (!groups || groups["release"] === void 0) return void 0;
  const preLabel = groups["pre_l"];
  const postNumber = groups["post_n1"] ?? groups["post_n2"];
  const hasPost = groups["post_l"] !== void 0 || groups["post_n1"] !== void 0;
  const local = groups["local"];
  return {
    epoch: stripZeros(groups["epoch"] ?? "0"),
    release: groups["release"].split(".").map(stripZeros),
    ...preLabel !== void 0 && {
      pre: { label: PRE_LABELS[preLabel.toLowerCase()] ?? "rc", number: stripZeros(groups["pre_n"] ?? "0") }
    },
    ...hasPost && { post: stripZeros(postNumber ?? "0") },
    ...groups["dev_l"] !== void 0 && { dev: stripZeros(groups["dev_n"] ?? "0") },
    ...local !== void 0 && {
      local: local.toLowerCase().split(/[-_.]/).map((part) => DIGITS.test(part) ? stripZeros(part) : part)
    }
  };
}
function stringify(v) {
  let out = v.epoch === "0" ? "" : `${v.epoch}!`;
  out += v.release.join(".");
  if (v.pre) out += v.pre.label + v.pre.number;
  if (v.post !== void 0) out += `.post${v.post}`;
  if (v.dev !== void 0) out += `.dev${v.dev}`;
  if (v.local) out += `+${v.local.join(".")}`;
  return out;
}
var MAX_ORDERED_DIGITS = 255 - 32;
function isValidVersion(version) {
  return (0, import_pep440.valid)(version) !== null;
}
function tryNormalizeVersion(version) {
  const parsed = parse(version.trim());
  return parsed && stringify(parsed);
}
function normalizeVersion(version) {
  const normalized = tryNormalizeVersion(version);
  if (normalized === void 0) {
    throw new InvalidInputError(
      `${JSON.stringify(version)} is not a valid PEP 440 version. Use a version such as 1.0, 2.1.3rc1 or 1.0.post1 (see https://peps.python.org/pep-0440/).`
    );
  }
  return normalized;
}
function releaseVersionKey(version) {
  return normalizeVersion(version).replace(/^((?:[0-9]+!)?)([0-9]+(?:\.[0-9]+)*)/, (_, epoch, release) => {
    return epoch + release.replace(/(?:\.0)+$/, "");
  });
}

// lambdas/core/filenames.ts
var WHEEL_EXTENSION = ".whl";
var SDIST_EXTENSIONS = [".tar.gz", ".zip"];
var MAX_FILENAME_BYTES = 255;
var CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
var LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
var utf8 = new TextEncoder();
var WHEEL_NAME_PART = /^[A-Za-z0-9._]+$/;
var BUILD_TAG = /^[0-9][A-Za-z0-9_.]*$/;
var TAG_PART = /^[A-Za-z0-9_.]+$/;
function isSafeFilename(filename) {
  return filename.length > 0 && utf8.encode(filename).length <= MAX_FILENAME_BYTES && !filename.startsWith(".") && !filename.includes("/") && !filename.includes("\\") && !CONTROL.test(filename) && !LONE_SURROGATE.test(filename);
}
function describe(filename) {
  return JSON.stringify(filename);
}
function assertSafe(filename) {
  if (!isSafeFilename(filename)) {
    throw new InvalidInputError(
      `Invalid filename ${describe(filename)}: a distribution filename must be at most ${MAX_FILENAME_BYTES} bytes, must not start with a dot and must not contain slashes, backslashes or control characters.`
    );
  }
}
function wheelEscapeName(name) {
  return normalizeName(name).replace(/-/g, "_");
}
function parseWheelFilename(filename) {
  assertSafe(filename);
  if (!filename.endsWith(WHEEL_EXTENSION)) {
    throw new InvalidInputError(`Invalid wheel filename ${describe(filename)}: a wheel filename must end in .whl.`);
  }
  const stem = filename.slice(0, -WHEEL_EXTENSION.length);
  const parts = stem.split("-");
  const shape = `expected {name}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl, e.g. example_pkg-1.0.0-py3-none-any.whl`;
  if (parts.length !== 5 && parts.length !== 6) {
    throw new InvalidInputError(
      `Invalid wheel filename ${describe(filename)}: it has ${parts.length} dash-separated parts where 5 or 6 are needed (${shape}).`
    );
  }
  const [name, version] = parts;
  const [pythonTag, abiTag, platformTag] = parts.slice(-3);
  const buildTag = parts.length === 6 ? parts[2] : void 0;
  if (!WHEEL_NAME_PART.test(name) || name.includes("__") || !isValidName(name)) {
    throw new InvalidInputError(
      `Invalid wheel filename ${describe(filename)}: ${describe(name)} is not a valid project name part. In a wheel filename the name is written with "_" in place of "-" (for "my-project": my_project-1.0-py3-none-any.whl).`
    );
  }
  if (!isValidVersion(version)) {
    throw new InvalidInputError(
      `Invalid wheel filename ${describe(filename)}: ${describe(version)} is not a valid PEP 440 version (${shape}).`
    );
  }
  if (buildTag !== void 0 && !BUILD_TAG.test(buildTag)) {
    throw new InvalidInputError(
      `Invalid wheel filename ${describe(filename)}: the build tag ${describe(buildTag)} must start with a digit (${shape}).`
    );
  }
  for (const [label, tag] of [
    ["python", pythonTag],
    ["abi", abiTag],
    ["platform", platformTag]
  ]) {
    if (!TAG_PART.test(tag) || tag.split(".").some((p) => p === "")) {
      throw new InvalidInputError(
        `Invalid wheel filename ${describe(filename)}: the ${label} tag ${describe(tag)} is not valid (${shape}).`
      );
    }
  }
  const tags = [];
  for (const interpreter of pythonTag.split(".")) {
    for (const abi of abiTag.split(".")) {
      for (const platform of platformTag.split(".")) tags.push({ interpreter, abi, platform });
    }
  }
  return {
    kind: "wheel",
    name,
    normalizedName: normalizeName(name),
    version,
    ...buildTag !== void 0 && { buildTag },
    pythonTag,
    abiTag,
    platformTag,
    tags
  };
}
function sdistExtensionOf(filename) {
  return SDIST_EXTENSIONS.find((ext) => filename.endsWith(ext));
}
function sdistResult(name, version, extension) {
  return {
    kind: "sdist",
    name,
    normalizedName: normalizeName(name),
    version,
    extension,
    isPep625: extension === ".tar.gz" && name === wheelEscapeName(name) && version === normalizeVersion(version)
  };
}
function parseSdistFilename(filename, expectedName) {
  assertSafe(filename);
  const extension = sdistExtensionOf(filename);
  if (extension === void 0) {
    const hint = /\.(tar\.bz2|tar\.xz|tgz|tar|tar\.Z|egg|exe|msi|rpm|dmg)$/.test(filename) ? " This format is no longer accepted for source distributions; build one with `python -m build --sdist`." : "";
    throw new InvalidInputError(
      `Invalid sdist filename ${describe(filename)}: a source distribution must be a .tar.gz (or legacy .zip) file named {name}-{version}.tar.gz.${hint}`
    );
  }
  const stem = filename.slice(0, -extension.length);
  const dashes = [];
  for (let i = stem.indexOf("-"); i !== -1; i = stem.indexOf("-", i + 1)) dashes.push(i);
  if (expectedName !== void 0) {
    const wanted = normalizeName(expectedName);
    for (const i of dashes) {
      const name = stem.slice(0, i);
      const version = stem.slice(i + 1);
      if (normalizeName(name) === wanted && isValidVersion(version)) return sdistResult(name, version, extension);
    }
    throw new InvalidInputError(
      `Invalid sdist filename ${describe(filename)}: it must start with the project name ${describe(expectedName)} followed by "-" and a valid PEP 440 version, e.g. ${wheelEscapeName(expectedName)}-1.0.0.tar.gz.`
    );
  }
  for (let d = dashes.length - 1; d >= 0; d--) {
    const i = dashes[d];
    const name = stem.slice(0, i);
    const version = stem.slice(i + 1);
    if (isValidName(name) && isValidVersion(version)) return sdistResult(name, version, extension);
  }
  throw new InvalidInputError(
    `Invalid sdist filename ${describe(filename)}: expected {name}-{version}${extension} with a valid project name and PEP 440 version, e.g. example_pkg-1.0.0.tar.gz.`
  );
}

// lambdas/core/bytes.ts
var MiB = 1024 * 1024;
var GiB = 1024 * MiB;

// lambdas/core/archives/tar-scanner.ts
var latin1 = new TextDecoder("latin1");
var utf82 = new TextDecoder("utf-8");

// lambdas/core/archives/zip-reader.ts
var zipNameDecoder = new TextDecoder("utf-8");
var MAX_CENTRAL_DIRECTORY_BYTES = 64 * MiB;
var READ_WINDOW = 8 * MiB;
var ONE_SHOT_BYTES = 16 * MiB;
var STREAM_STEP = 1 * MiB;

// lambdas/core/requirements.ts
var import_specifier = __toESM(require_specifier(), 1);

// lambdas/core/core-metadata.ts
var utf83 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// lambdas/core/distribution.ts
var INSPECTION_LIMITS = Object.freeze({
  /**
   * METADATA / PKG-INFO. The largest real ones carry a long README and changelog and stay
   * well under 2 MiB; 8 MiB leaves room without letting a file make us allocate much.
   */
  maxCoreMetadataBytes: 8 * MiB,
  /** WHEEL holds a handful of short lines. */
  maxWheelFileBytes: 64 * 1024,
  /** A pax extended header or GNU long name is a few hundred bytes at most. */
  maxTarExtensionBytes: 1 * MiB,
  /**
   * The largest real wheels (torch with CUDA, tensorflow) unpack to 1.3-3 GB (the
   * tensorflow_cpu wheel on the build machine's mirror: 1.27 GB from 340 MB); 8 GiB is
   * over twice that and still inflates within a few minutes of a 15-minute Lambda.
   */
  maxTotalBytes: 8 * GiB,
  /** The largest real member seen is a 788 MB libtensorflow_cc.so; 4 GiB is a zip's own limit without ZIP64. */
  maxMemberBytes: 4 * GiB,
  /**
   * Real wheels compress at most ~18:1 overall; single small members reach 1016:1 (onnx's
   * test data of zeros, 2.5 MB). So the ratio applies past a floor: above 32 MiB a member, or
   * the archive, may not unpack to more than 100 times its compressed size. A zip bomb of
   * 300 MB from 290 kB is 1025:1.
   */
  maxRatio: 100,
  ratioFloorBytes: 32 * MiB,
  /** The most files seen in a real wheel is 16,235 (cmeel-boost); a central directory of 64 MiB holds ~500,000. */
  maxEntries: 5e5
});

// lambdas/core/release-metadata.ts
var KiB = 1024;
var utf84 = new TextEncoder();
var RELEASE_METADATA_LIMITS = Object.freeze({
  /**
   * A DynamoDB item holds at most 400 KB, and a release record must also fit its keys
   * and file list. Long READMEs are common (some carry a whole changelog), so the
   * description is cut rather than refused; the full text stays in the stored
   * METADATA (PEP 658) for wheels and in the archive for everything.
   */
  maxDescriptionBytes: 64 * KiB,
  /**
   * Everything else together. Real metadata stays far below (a full license text is
   * ~35 KB; a few hundred classifiers ~20 KB); more means a broken or hostile build,
   * which is refused rather than silently cut.
   */
  maxTotalBytes: 256 * KiB
});

// lambdas/core/legacy-upload.ts
var utf85 = new TextEncoder();

// lambdas/core/upload-session.ts
var S3_MULTIPART = Object.freeze({
  minPartBytes: 5 * 1024 * 1024,
  maxParts: 1e4,
  /** The largest object a single PUT or CopyObject takes (5 GiB). */
  maxSinglePutBytes: 5 * 1024 * 1024 * 1024
});
var VERIFY_DEADLINE_SECONDS = 35 * 60;

// lambdas/core/publishing-session.ts
var UPLOAD_API_VERSION = "2.0";
var UPLOAD_V2_JSON = "application/vnd.pypi.upload.v2+json";
var PROBLEM_JSON = "application/problem+json";
var HTTP_POST_BYTES = "http-post-bytes";
var S3_MULTIPART_PRESIGNED = "vnd-wharf-s3multipart-presigned";
var POST_BYTES_MAX = 4 * 1024 * 1024;

// lambdas/cli/publish-client.ts
function tokenAuth(token) {
  return async () => token;
}
function trustedPublishingAuth(indexUrl, env = process.env, mint = trustedPublishingToken) {
  let current;
  let settled;
  const mintNew = () => {
    settled = void 0;
    const minted = mint(indexUrl, env).then((t) => settled = t.token);
    current = minted;
    minted.catch(() => {
      if (current === minted) current = void 0;
    });
    return minted;
  };
  return async (rejected) => {
    if (current === void 0 || rejected !== void 0 && rejected === settled) return mintNew();
    return current;
  };
}
var PublishError = class extends Error {
};
function groupByRelease(files, onBad) {
  const releases = /* @__PURE__ */ new Map();
  for (const file of files) {
    const filename = path.basename(file.path);
    let parsed;
    try {
      const type = filetypeOf(filename);
      if (!type) throw new Error(`${filename} is not a distribution (.whl, .tar.gz or .zip).`);
      parsed = type === "bdist_wheel" ? parseWheelFilename(filename) : parseSdistFilename(filename);
    } catch (err) {
      onBad(file, err.message);
      continue;
    }
    const key = `${parsed.normalizedName} ${releaseVersionKey(parsed.version)}`;
    const release = releases.get(key) ?? { project: parsed.normalizedName, version: parsed.version, files: [] };
    release.files.push(file);
    releases.set(key, release);
  }
  return [...releases.values()];
}
var META = { "api-version": UPLOAD_API_VERSION };
var sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function filetypeOf(filename) {
  if (filename.endsWith(".whl")) return "bdist_wheel";
  if (filename.endsWith(".tar.gz") || filename.endsWith(".zip")) return "sdist";
  return void 0;
}
async function sha256OfFile(file, onBytes) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk);
    onBytes?.(chunk.byteLength);
  }
  return hash.digest("hex");
}
function putBytes(url, body, onBytes) {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: "PUT", headers: { "content-length": String(body.byteLength) } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const etag = res.headers["etag"];
        resolve({ status: res.statusCode ?? 0, ...typeof etag === "string" ? { etag } : {}, text: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    const step = 1024 * 1024;
    let offset = 0;
    const write = () => {
      while (offset < body.byteLength) {
        const chunk = body.subarray(offset, offset + step);
        offset += chunk.byteLength;
        const ok = req.write(chunk, () => onBytes?.(chunk.byteLength));
        if (!ok) {
          req.once("drain", write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}
var PublishClient = class {
  constructor(url, auth, options = {}) {
    this.auth = auth;
    this.options = options;
    this.base = url.replace(/\/+$/, "").replace(/\/(simple|legacy)$/, "");
  }
  auth;
  options;
  base;
  /** Absolute URL of a path the API answered (which carries the stage prefix already). */
  absolute(pathname) {
    return `${new URL(this.base).origin}${pathname}`;
  }
  /**
   * One request to the index, with the token `auth` gives: retried on a network error or a
   * 5xx, and the token renewed once on a 401 (a minted one lives 15 minutes). A fixed token
   * comes back the same, and the 401 stands.
   */
  async send(url, init) {
    const attempts = this.options.attempts ?? 5;
    let token = await this.auth();
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      let response;
      try {
        response = await fetch(url, init(token));
      } catch (err) {
        if (attempt < attempts) {
          await sleep(this.delay(attempt));
          continue;
        }
        throw new PublishError(`Cannot reach ${this.base}: ${err.message}. Is the URL right and the index up?`);
      }
      const text = await response.text();
      if (response.status === 401 && !renewed) {
        const fresh = await this.auth(token);
        if (fresh !== token) {
          token = fresh;
          renewed = true;
          attempt--;
          continue;
        }
      }
      if (response.status >= 500 && attempt < attempts) {
        await sleep(this.delay(attempt));
        continue;
      }
      return { response, text };
    }
  }
  async api(method, url, body) {
    const { response, text } = await this.send(url, (token) => jsonRequest(method, token, body));
    const answer = { status: response.status, contentType: response.headers.get("content-type"), text };
    const value = wharfJson(this.base, answer, "status");
    return { status: response.status, value };
  }
  delay(attempt) {
    return (this.options.retryDelayMs ?? 500) * 2 ** (attempt - 1);
  }
  /**
   * Publishes one file, as a release of its own (its own publishing session).
   * @param attestations PEP 740 attestation objects of this file
   */
  async publish(file, attestations) {
    const releases = groupByRelease([{ path: file, ...attestations ? { attestations } : {} }], (_, message) => {
      throw new PublishError(message);
    });
    const [report] = await this.publishRelease(releases[0]);
    if (!report) throw new PublishError(`Nothing was published of ${path.basename(file)}.`);
    if ("failure" in report) throw new PublishError(report.failure);
    return report.result;
  }
  /**
   * Publishes the files of one release in one publishing session: each file uploaded and
   * completed, then the session published, so the release appears whole or not at all. A
   * file the index holds already with these bytes is `unchanged` (and not uploaded); one
   * that fails fails the release, whose session is then cancelled.
   * @param onSession told the session's URL (and stage) once it is open
   */
  async publishRelease(release, onSession) {
    const root = `${this.base}/upload/2.0/`;
    const created = await this.v2("POST", root, { meta: META, name: release.project, version: release.version });
    if (created.status === 404 && created.problem === void 0) {
      const reports2 = [];
      for (const file of release.files) {
        const filename = path.basename(file.path);
        try {
          reports2.push({ filename, result: await this.publishByFirstApi(file.path, file.attestations) });
        } catch (err) {
          if (err instanceof NotWharfError) throw err;
          reports2.push({ filename, failure: err.message });
        }
      }
      return reports2;
    }
    let session;
    let joined = false;
    if (created.status === 201) {
      session = created.value;
    } else if (created.status === 409 && created.location) {
      const open2 = await this.v2("GET", created.location);
      if (open2.status !== 200) return this.allFailed(release, open2.problem ?? `the index answered ${open2.status}`);
      session = open2.value;
      joined = true;
    } else {
      return this.allFailed(release, created.problem ?? `the index answered ${created.status}`);
    }
    const links = session["links"];
    onSession?.({ url: links["session"], ...links["stage"] ? { stage: links["stage"] } : {}, joined });
    const mechanisms = session["mechanisms"] ?? [];
    const reports = [];
    const uploaded = [];
    let failed = false;
    for (const file of release.files) {
      const filename = path.basename(file.path);
      const started = performance.now();
      try {
        if (joined && session["files"]?.[filename]) await this.v2("DELETE", session["files"][filename]["link"]);
        const outcome = await this.uploadFile(links["upload"], file, mechanisms);
        if (outcome.kind === "uploaded") {
          uploaded.push({ file, filename, size: outcome.size, started });
        } else {
          this.options.onProgress?.({ filename, phase: "done", bytes: outcome.size, total: outcome.size });
          reports.push({ filename, result: { filename, outcome: outcome.kind, message: outcome.message, size: outcome.size, seconds: (performance.now() - started) / 1e3 } });
        }
      } catch (err) {
        if (err instanceof NotWharfError) throw err;
        reports.push({ filename, failure: err.message });
        failed = true;
        break;
      }
    }
    const notPublished = (why) => {
      for (const u of uploaded) reports.push({ filename: u.filename, failure: why });
      for (const file of release.files) {
        const filename = path.basename(file.path);
        if (!reports.some((r) => r.filename === filename)) reports.push({ filename, failure: why });
      }
    };
    if (failed || uploaded.length === 0) {
      if (!joined) await this.v2("DELETE", links["session"]).catch(() => void 0);
      if (failed) notPublished(`not published: another file of ${release.project} ${release.version} failed, and a release is published whole or not at all`);
      return this.ordered(release, reports);
    }
    const published = await this.v2("POST", links["publish"], { meta: META });
    let state = published.value;
    if (published.status === 202) state = await this.pollSession(links["session"]);
    if (published.status !== 201 && published.status !== 202 || state["status"] !== "published") {
      const why = published.problem ?? (state["notices"]?.join(" ") || `publishing ended ${state["status"]}`);
      if (!joined) await this.v2("DELETE", links["session"]).catch(() => void 0);
      notPublished(why);
      return this.ordered(release, reports);
    }
    for (const u of uploaded) {
      reports.push({ filename: u.filename, result: { filename: u.filename, outcome: "published", message: `${u.filename} is published.`, size: u.size, seconds: (performance.now() - u.started) / 1e3 } });
    }
    return this.ordered(release, reports);
  }
  ordered(release, reports) {
    const order = release.files.map((f) => path.basename(f.path));
    return [...reports].sort((a, b) => order.indexOf(a.filename) - order.indexOf(b.filename));
  }
  allFailed(release, message) {
    return release.files.map((f) => ({ filename: path.basename(f.path), failure: message }));
  }
  /**
   * One file into the session: its file upload session, the bytes by the mechanism its size
   * calls for, attestations, completion (polled while the index verifies it).
   */
  async uploadFile(uploadUrl, file, mechanisms) {
    const filename = path.basename(file.path);
    const { size } = await stat(file.path);
    const report = (phase, bytes) => this.options.onProgress?.({ filename, phase, bytes, total: size });
    let hashed = 0;
    const sha256 = await sha256OfFile(file.path, (n) => report("hashing", hashed += n));
    const viaIndex = size <= POST_BYTES_MAX && mechanisms.includes(HTTP_POST_BYTES);
    const mechanism = viaIndex || !mechanisms.includes(S3_MULTIPART_PRESIGNED) ? HTTP_POST_BYTES : S3_MULTIPART_PRESIGNED;
    const opened = await this.v2("POST", uploadUrl, { meta: META, filename, size, hashes: { sha256 }, mechanism });
    if (opened.status === 409) {
      const errors = opened.value["errors"] ?? [];
      const existing = errors.find((e) => e.source === filename)?.sha256;
      if (existing === sha256) return { kind: "unchanged", size, message: `${filename} was already published with these exact bytes.` };
      const message = opened.problem ?? `the index answered ${opened.status}`;
      if (this.options.skipExisting && /already exist/i.test(message)) return { kind: "skipped", size, message };
      throw new PublishError(message);
    }
    if (opened.status !== 202) throw new PublishError(opened.problem ?? `opening the upload of ${filename} failed (${opened.status})`);
    const upload = opened.value;
    const links = upload["links"];
    const how = upload["mechanism"];
    try {
      if (file.attestations && file.attestations.length > 0) {
        const attested = await this.v2("POST", how["attestations_url"], file.attestations);
        if (attested.status !== 200) throw new PublishError(attested.problem ?? `the attestations of ${filename} were refused (${attested.status})`);
      }
      let sent = 0;
      const progress = (n) => report("uploading", sent += n);
      let parts = [];
      if (how["identifier"] === S3_MULTIPART_PRESIGNED) {
        parts = await this.uploadParts(
          file.path,
          {
            status: "pending",
            filename,
            partCount: how["part-count"],
            parts: (how["parts"] ?? []).map((p) => ({ partNumber: p["part-number"], offset: p["offset"], size: p["size"], url: p["url"] }))
          },
          progress,
          async (numbers) => {
            const answer = await this.v2("POST", how["parts_url"], { meta: META, "part-numbers": numbers });
            if (answer.status !== 200) throw new PublishError(answer.problem ?? `getting upload URLs failed (${answer.status})`);
            return (answer.value["mechanism"]["parts"] ?? []).map((p) => ({ partNumber: p["part-number"], offset: p["offset"], size: p["size"], url: p["url"] }));
          }
        );
      } else {
        const bytes = await readFile(file.path);
        const posted = await this.v2("POST", how["file_url"], bytes);
        if (posted.status !== 200) throw new PublishError(posted.problem ?? `uploading ${filename} failed (${posted.status})`);
        progress(bytes.byteLength);
      }
      const completed = await this.v2("POST", links["complete"], {
        meta: META,
        ...parts.length > 0 && how["kind"] === "multipart" ? { parts: parts.map((p) => ({ "part-number": p.partNumber, etag: p.etag })) } : {}
      });
      if (completed.status !== 201 && completed.status !== 202) throw new PublishError(completed.problem ?? `completing the upload of ${filename} failed (${completed.status})`);
      report("verifying", size);
      let state = completed.value;
      if (state["status"] === "processing") state = await this.pollFile(filename, links["file-upload-session"], state, completed.retryAfter);
      if (state["status"] !== "completed") {
        throw new PublishError(state["notices"]?.join(" ") || `the upload of ${filename} ended ${state["status"]}`);
      }
      return { kind: "uploaded", size, message: `${filename} is staged.` };
    } catch (err) {
      await this.v2("DELETE", links["file-upload-session"]).catch(() => void 0);
      throw err;
    }
  }
  /** Polls a file upload session while the index verifies it, up to the deadline it gave (and a grace). */
  async pollFile(filename, url, state, retryAfter) {
    const grace = this.options.verifyGraceMs ?? 6e4;
    const fallback = Date.now() + VERIFY_DEADLINE_SECONDS * 1e3;
    let wait = Math.max(250, (retryAfter ?? 0) * 1e3);
    while (state["status"] === "processing") {
      const deadline = Date.parse(state["_wharf"]?.["verify-deadline"] ?? "") || fallback;
      const giveUp = deadline + grace;
      if (Date.now() >= giveUp) {
        throw new PublishError(
          `${filename} was uploaded, but the index was still verifying it at ${new Date(giveUp).toISOString()}, past the deadline it gave (${new Date(deadline).toISOString()}); stopped waiting. Publish the release again later.`
        );
      }
      await sleep(Math.max(0, Math.min(wait, giveUp - Date.now())));
      wait = Math.min(wait * 2, 2e3);
      const answer = await this.v2("GET", url);
      state = answer.value;
      if (answer.retryAfter !== void 0) wait = Math.max(wait, answer.retryAfter * 1e3);
    }
    return state;
  }
  /** Polls a publishing session accepted for deferred publishing (202) until it is published or not. */
  async pollSession(url) {
    const giveUp = Date.now() + VERIFY_DEADLINE_SECONDS * 1e3;
    let state = { status: "processing" };
    let wait = 500;
    while (state["status"] === "processing" && Date.now() < giveUp) {
      await sleep(wait);
      wait = Math.min(wait * 2, 5e3);
      state = (await this.v2("GET", url)).value;
    }
    return state;
  }
  /**
   * One call of the Upload 2.0 API: JSON (or a file's bytes) out, a v2 body or an RFC 9457
   * problem back; retried on a network error or 5xx, the token renewed once on a 401.
   */
  async v2(method, url, body) {
    const bytes = body instanceof Uint8Array;
    const { response, text } = await this.send(url, (token) => ({
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: UPLOAD_V2_JSON,
        ...body !== void 0 ? { "content-type": bytes ? "application/octet-stream" : UPLOAD_V2_JSON } : {}
      },
      ...body !== void 0 ? { body: bytes ? body : JSON.stringify(body) } : {}
    }));
    const contentType = response.headers.get("content-type");
    const retry = Number(response.headers.get("retry-after"));
    const base = { status: response.status, location: response.headers.get("location"), retryAfter: Number.isFinite(retry) && retry > 0 ? retry : void 0 };
    if (response.status === 204) return { ...base, value: {} };
    let value;
    try {
      value = JSON.parse(text);
    } catch {
      value = void 0;
    }
    const object = typeof value === "object" && value !== null && !Array.isArray(value) ? value : void 0;
    const problem = contentType?.startsWith(PROBLEM_JSON) && object && typeof object["detail"] === "string" ? object["detail"] : void 0;
    if (response.status === 404 && problem === void 0) return { ...base, value: object ?? {} };
    if (!object || response.status >= 400 && problem === void 0) {
      throw new NotWharfError(notWharfMessage(this.base, { status: response.status, contentType, text }));
    }
    return { ...base, value: object, ...problem !== void 0 ? { problem } : {} };
  }
  /** The first session API (`/upload/sessions`): for an index without Upload 2.0. */
  async publishByFirstApi(file, attestations) {
    const started = performance.now();
    const filename = path.basename(file);
    const filetype = filetypeOf(filename);
    if (!filetype) throw new PublishError(`${filename} is not a distribution (.whl, .tar.gz or .zip).`);
    const { size } = await stat(file);
    const report = (phase, bytes) => this.options.onProgress?.({ filename, phase, bytes, total: size });
    let hashed = 0;
    const sha256 = await sha256OfFile(file, (n) => report("hashing", hashed += n));
    const done = (outcome, message2) => {
      report("done", size);
      return { filename, outcome, message: message2, size, seconds: (performance.now() - started) / 1e3 };
    };
    const created = await this.api("POST", `${this.base}/upload/sessions`, {
      filename,
      size,
      sha256,
      filetype,
      ...attestations && attestations.length > 0 ? { attestations } : {}
    });
    if (created.status === 200 && created.value.status === "published") {
      return done("unchanged", created.value.message ?? `${filename} was already published with these exact bytes.`);
    }
    if (created.status !== 201) {
      const message2 = created.value.error ?? `the index answered ${created.status}`;
      if (this.options.skipExisting && /already exist/i.test(message2)) return done("skipped", message2);
      throw new PublishError(message2);
    }
    const session = created.value;
    const links = session.links;
    let sent = 0;
    const progress = (n) => report("uploading", sent += n);
    const etags = await this.uploadParts(file, session, progress);
    const completed = await this.api("POST", this.absolute(links.complete), { parts: etags });
    let state = completed.value;
    if (completed.status >= 400 && state.status !== "failed") throw new PublishError(state.error ?? `completing the upload failed (${completed.status})`);
    report("verifying", size);
    const grace = this.options.verifyGraceMs ?? 6e4;
    const fallback = Date.now() + VERIFY_DEADLINE_SECONDS * 1e3;
    let wait = 250;
    while (state.status === "verifying") {
      const deadline = Date.parse(state.verifyDeadline ?? "") || fallback;
      const giveUp = deadline + grace;
      if (Date.now() >= giveUp) {
        throw new PublishError(
          `${filename} was uploaded, but the index was still verifying it at ${new Date(giveUp).toISOString()}, past the deadline it gave (${new Date(deadline).toISOString()}); stopped waiting. The session is ${this.absolute(links.self)}: publish the file again later, and it reports the file as already there if it did get published.`
        );
      }
      await sleep(Math.max(0, Math.min(wait, giveUp - Date.now())));
      wait = Math.min(wait * 2, 2e3);
      state = (await this.api("GET", this.absolute(links.self))).value;
    }
    if (state.status === "published") {
      return done(
        state.outcome === "unchanged" ? "unchanged" : "published",
        state.outcome === "unchanged" ? `${filename} was already published with these exact bytes.` : `${filename} is published.`
      );
    }
    const message = state.error ?? `the upload session ended ${state.status}`;
    if (this.options.skipExisting && /already exist/i.test(message)) return done("skipped", message);
    throw new PublishError(message);
  }
  /** Uploads every part (parallel, each retried), returning the ETags for completion. */
  async uploadParts(file, session, progress, freshUrls) {
    const partCount = session.partCount ?? 1;
    const urls = /* @__PURE__ */ new Map();
    const ranges = /* @__PURE__ */ new Map();
    for (const part of session.parts ?? []) {
      urls.set(part.partNumber, part.url);
      ranges.set(part.partNumber, { offset: part.offset, size: part.size });
    }
    const refresh = async (from) => {
      const numbers = [];
      for (let n = from; n <= partCount && numbers.length < 100; n++) numbers.push(n);
      let fresh;
      if (freshUrls) {
        fresh = await freshUrls(numbers);
      } else {
        const answer = await this.api("POST", this.absolute(session.links.parts), { partNumbers: numbers });
        if (answer.status !== 200) throw new PublishError(answer.value.error ?? `getting upload URLs failed (${answer.status})`);
        fresh = answer.value.parts ?? [];
      }
      for (const part of fresh) {
        urls.set(part.partNumber, part.url);
        ranges.set(part.partNumber, { offset: part.offset, size: part.size });
      }
    };
    const handle = await open(file, "r");
    const etags = [];
    let next = 1;
    const attempts = this.options.attempts ?? 5;
    const worker = async () => {
      while (next <= partCount) {
        const partNumber = next++;
        if (!urls.has(partNumber)) await refresh(partNumber);
        const range = ranges.get(partNumber);
        const body = Buffer.alloc(range.size);
        await handle.read(body, 0, range.size, range.offset);
        for (let attempt = 1; ; attempt++) {
          let sentHere = 0;
          let failure;
          try {
            const answer = await putBytes(urls.get(partNumber), body, (n) => {
              sentHere += n;
              progress(n);
            });
            if (answer.status === 200) {
              etags.push({ partNumber, etag: answer.etag ?? "" });
              break;
            }
            failure = `S3 answered ${answer.status}: ${/<Message>([^<]*)<\/Message>/.exec(answer.text)?.[1] ?? answer.text.slice(0, 200)}`;
            if (answer.status === 403) await refresh(partNumber).catch(() => void 0);
          } catch (err) {
            failure = err.message;
          }
          progress(-sentHere);
          if (attempt >= attempts) throw new PublishError(`Part ${partNumber} of ${session.filename} failed ${attempts} times; last: ${failure}`);
          await sleep(this.delay(attempt));
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, partCount) }, worker));
    } finally {
      await handle.close();
    }
    return etags.sort((a, b) => a.partNumber - b.partNumber);
  }
};

// lambdas/cli/import-progress.ts
var KB = 1e3;
var MB = 1e3 * KB;
var GB = 1e3 * MB;
function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  const m = Math.ceil(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

// lambdas/cli/publish-command.ts
async function attestationsByFile(files, attestationFiles) {
  const byFile = /* @__PURE__ */ new Map();
  const names = files.map((f) => path2.basename(f));
  for (const file of attestationFiles) {
    const base = path2.basename(file);
    const owner = names.filter((n) => base.startsWith(`${n}.`)).sort((a, b) => b.length - a.length)[0];
    if (!owner) {
      throw new PublishError(
        `${base} is named after none of the files to publish: name an attestation after its distribution, as ${names[0] ?? "demo-1.0-py3-none-any.whl"}.publish.attestation.`
      );
    }
    let value;
    try {
      value = JSON.parse(await readFile2(file, "utf8"));
    } catch (err) {
      throw new PublishError(`${file} cannot be read as a JSON attestation: ${err.message}`);
    }
    const list = byFile.get(owner) ?? [];
    list.push(...Array.isArray(value) ? value : [value]);
    byFile.set(owner, list);
  }
  return byFile;
}
var MB2 = 1e3 * 1e3;
function formatBytes2(n) {
  return n >= 1e3 * MB2 ? `${(n / (1e3 * MB2)).toFixed(2)} GB` : `${(n / MB2).toFixed(1)} MB`;
}
var DEFAULT_COLUMNS = 80;
var MIN_RATE_SECONDS = 0.25;
var BAR_MAX = 24;
var BAR_MIN = 5;
var NAME_MIN = 12;
function uploadRate(bytes, elapsedSeconds, baseline = 0) {
  return elapsedSeconds >= MIN_RATE_SECONDS && bytes > baseline ? (bytes - baseline) / elapsedSeconds : void 0;
}
function rateAndEta(bytes, total, elapsedSeconds, baseline, short = false) {
  const rate = uploadRate(bytes, elapsedSeconds, baseline);
  if (rate === void 0) return "";
  return ` ${(rate / MB2).toFixed(1)} MB/s ${short ? "" : "ETA "}${formatDuration((total - bytes) / rate)}`;
}
function renderProgressLine(p, elapsedSeconds, columns, baseline = 0) {
  const room = (columns && columns > 0 ? columns : DEFAULT_COLUMNS) - 1;
  const bytes = Math.min(Math.max(p.bytes, 0), p.total);
  const fraction = p.total > 0 ? bytes / p.total : 1;
  const percent = `${Math.floor(fraction * 100)}%`;
  const amounts = `${formatBytes2(bytes)}/${formatBytes2(p.total)}`;
  const stats = p.phase === "uploading" ? [
    `${amounts}${rateAndEta(bytes, p.total, elapsedSeconds, baseline)}`,
    `${percent}${rateAndEta(bytes, p.total, elapsedSeconds, baseline, true)}`,
    percent
  ] : [`${p.phase} ${amounts}`, `${p.phase} ${percent}`, percent];
  const name = p.filename;
  for (const numbers of stats) {
    const left = room - numbers.length - 1;
    const barWidth = Math.min(BAR_MAX, left - name.length - 3);
    if (barWidth >= BAR_MIN) {
      const filled = Math.round(fraction * barWidth);
      return `${name} [${"#".repeat(filled)}${"-".repeat(barWidth - filled)}] ${numbers}`;
    }
    if (left >= name.length) return `${name} ${numbers}`;
    if (left >= NAME_MIN) return `${name.slice(0, left - 1)}\u2026 ${numbers}`;
    if (numbers.length <= room) return numbers;
  }
  return percent.slice(0, Math.max(room, 1));
}
var ProgressBar = class {
  constructor(out, clock = () => performance.now()) {
    this.out = out;
    this.clock = clock;
    this.started = clock();
  }
  out;
  clock;
  started = performance.now();
  lastDraw = -Infinity;
  lastWidth = 0;
  lastQuarter = -1;
  phase = "hashing";
  baseline = 0;
  update(p) {
    if (p.phase !== this.phase && p.phase === "uploading") {
      this.started = this.clock();
      this.baseline = Math.max(p.bytes, 0);
    }
    this.phase = p.phase;
    if (p.phase === "done") return;
    const now = this.clock();
    const elapsed = (now - this.started) / 1e3;
    if (this.out.isTTY) {
      if (now - this.lastDraw < 100 && p.bytes < p.total && p.phase === "uploading") return;
      this.lastDraw = now;
      const line = renderProgressLine(p, elapsed, this.out.columns, this.baseline);
      this.out.write(`\r${line.padEnd(this.lastWidth)}`);
      this.lastWidth = line.length;
      return;
    }
    if (p.phase !== "uploading") {
      if (p.phase === "verifying") this.out.write(`${p.filename}: uploaded, verifying
`);
      return;
    }
    const quarter = p.total > 0 ? Math.floor(p.bytes / p.total * 4) : 4;
    if (quarter > this.lastQuarter && quarter < 4) {
      this.lastQuarter = quarter;
      this.out.write(`${p.filename}: ${quarter * 25}% ${formatBytes2(p.bytes)}/${formatBytes2(p.total)}${rateAndEta(p.bytes, p.total, elapsed, this.baseline)}
`);
    }
  }
  finish() {
    if (this.out.isTTY) this.out.write("\r\x1B[2K");
  }
};
function tokenFromEnvironment(env) {
  if (env["WHARF_TOKEN"]) return env["WHARF_TOKEN"];
  if (env["TWINE_USERNAME"] === "__token__" && env["TWINE_PASSWORD"]) return env["TWINE_PASSWORD"];
  return void 0;
}
function wantsTrustedPublishing(options, env) {
  if (options["trusted-publishing"]) return true;
  return options.token === void 0 && tokenFromEnvironment(env) === void 0 && Boolean(env["ACTIONS_ID_TOKEN_REQUEST_URL"] || env["WHARF_ID_TOKEN"]);
}
async function localServerUrl(options, env) {
  const dataDir = options["data-dir"] ?? env["WHARF_DATA_DIR"] ?? ".wharf";
  const state = await readServerState(dataDir);
  if (!state || !processAlive(state.pid)) {
    throw new PublishError(
      `No Wharf is running on ${dataDir}: start one with npm start, or publish to another index with --url URL --token TOKEN.`
    );
  }
  return { url: state.url, dataDir };
}
async function resolveTarget(options, env) {
  if (options["trusted-publishing"] && options.token !== void 0) {
    throw new PublishError("Give --token or --trusted-publishing, not both.");
  }
  if (options.aws) {
    if (options.token !== void 0 || options["trusted-publishing"]) throw new PublishError("Give one of --aws, --token and --trusted-publishing.");
    const url2 = options.url ?? (await localServerUrl(options, env)).url;
    const { awsTrustedPublishingToken } = await Promise.resolve().then(() => __toESM(require_aws_exchange(), 1));
    const auth = trustedPublishingAuth(url2, env, awsTrustedPublishingToken);
    await auth();
    return { url: url2, auth, how: "trusted publishing (AWS IAM role)" };
  }
  if (wantsTrustedPublishing(options, env)) {
    const url2 = options.url ?? (await localServerUrl(options, env)).url;
    const auth = trustedPublishingAuth(url2, env);
    await auth();
    return { url: url2, auth, how: `trusted publishing (${oidcSourceOf(env)})` };
  }
  const token = options.token ?? tokenFromEnvironment(env);
  if (options.url) {
    if (!token) {
      throw new PublishError(
        `No token to publish to ${options.url} with: pass --token, or set WHARF_TOKEN (or TWINE_USERNAME=__token__ and TWINE_PASSWORD), or publish by trusted publishing (--trusted-publishing: from GitHub Actions with \`permissions: id-token: write\`, from GitLab with \`id_tokens: WHARF_ID_TOKEN\`, from Google Cloud as a service account). A token needs upload scope for the project (npm run wharf -- token create --scope upload:NAME).`
      );
    }
    return { url: options.url, auth: tokenAuth(token), how: "a token" };
  }
  const { url, dataDir } = await localServerUrl(options, env);
  const kept = await readKeptAdminToken(dataDir);
  const chosen = token ?? kept;
  if (!chosen) throw new PublishError(`The local server at ${url} keeps no admin token in ${dataDir}: pass --token.`);
  return { url, auth: tokenAuth(chosen), how: token ? "a token" : "the local server's admin token" };
}
async function publishCommand(files, options, io = { out: process.stdout, err: process.stderr, env: process.env }) {
  if (files.length === 0) {
    io.err.write(usageMessage("wharf publish", "name at least one wheel or sdist to publish."));
    return 2;
  }
  const concurrency = options.concurrency === void 0 ? 4 : Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    io.err.write(usageMessage("wharf publish", `--concurrency must be a whole number from 1 to 32, not ${options.concurrency}.`));
    return 2;
  }
  let target;
  let attestations;
  try {
    attestations = await attestationsByFile(files, options.attestations ?? []);
    target = await resolveTarget(options, io.env);
  } catch (err) {
    io.err.write(`wharf publish: ${err.message}
`);
    return 1;
  }
  io.out.write(`Publishing ${files.length} file${files.length === 1 ? "" : "s"} to ${target.url} with ${target.how}
`);
  const results = [];
  const failures = [];
  const fail = (filename, message) => {
    failures.push({ filename, message });
    io.err.write(`${filename}: FAILED: ${message}
`);
  };
  const releases = groupByRelease(
    files.map((file) => {
      const own = attestations.get(path2.basename(file));
      return { path: file, ...own ? { attestations: own } : {} };
    }),
    (file, message) => fail(path2.basename(file.path), message)
  );
  for (const release of releases) {
    let bar;
    let barFile;
    const client = new PublishClient(target.url, target.auth, {
      concurrency,
      skipExisting: options["skip-existing"] === true,
      onProgress: (p) => {
        if (p.filename !== barFile) {
          bar?.finish();
          bar = new ProgressBar(io.out);
          barFile = p.filename;
        }
        bar.update(p);
      }
    });
    let reports;
    try {
      reports = await client.publishRelease(release, (session) => {
        const count2 = `${release.files.length} file${release.files.length === 1 ? "" : "s"}`;
        io.out.write(`${release.project} ${release.version}: publishing session ${session.url} (${count2}${session.joined ? ", joined the session already open" : ""})
`);
      });
    } catch (err) {
      bar?.finish();
      if (err instanceof NotWharfError) {
        io.err.write(`wharf publish: ${err.message}
`);
        return 1;
      }
      const message = err instanceof Error ? err.message : String(err);
      for (const file of release.files) fail(path2.basename(file.path), message);
      continue;
    }
    bar?.finish();
    for (const report of reports) {
      if ("failure" in report) {
        fail(report.filename, report.failure);
        continue;
      }
      const result = report.result;
      results.push(result);
      const rate = result.seconds > 0 ? ` in ${result.seconds.toFixed(1)}s (${(result.size / MB2 / result.seconds).toFixed(1)} MB/s)` : "";
      const line = result.outcome === "published" ? `${result.filename}: published, ${formatBytes2(result.size)}${rate}` : result.outcome === "unchanged" ? `${result.filename}: already published with these exact bytes, nothing to do` : `${result.filename}: skipped (--skip-existing): ${result.message}`;
      io.out.write(`${line}
`);
    }
  }
  const count = (o) => results.filter((r) => r.outcome === o).length;
  io.out.write(
    `
${count("published")} published, ${count("unchanged")} already there, ${count("skipped")} skipped, ${failures.length} failed.
`
  );
  return failures.length > 0 ? 1 : 0;
}

// lambdas/cli/github-action.ts
var ActionInputError = class extends Error {
};
function inputOf(env, name) {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}
function booleanInput(env, name, fallback) {
  const value = inputOf(env, name);
  if (value === "") return fallback;
  if (["true", "True", "TRUE"].includes(value)) return true;
  if (["false", "False", "FALSE"].includes(value)) return false;
  throw new ActionInputError(`Input ${name} must be true or false, not "${value}".`);
}
function readInputs(env) {
  const repositoryUrl = inputOf(env, "repository-url");
  if (repositoryUrl === "") {
    throw new ActionInputError("Input repository-url is required: the Wharf index to publish to, e.g. `repository-url: ${{ vars.WHARF_URL }}` (its base URL, or its /simple/ or /legacy/ URL).");
  }
  let parsed;
  try {
    parsed = new URL(repositoryUrl);
  } catch {
    throw new ActionInputError(`Input repository-url is not a URL: "${repositoryUrl}". Give the index as https://HOST[/STAGE].`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ActionInputError(`Input repository-url must be an http(s) URL, not ${parsed.protocol}//...`);
  }
  const token = inputOf(env, "token");
  return {
    repositoryUrl,
    packagesDir: inputOf(env, "packages-dir") || "dist/",
    skipExisting: booleanInput(env, "skip-existing", false),
    ...token ? { token } : {},
    attestations: booleanInput(env, "attestations", true),
    verbose: booleanInput(env, "verbose", false)
  };
}
function escapeData(text) {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(text) {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
function errorCommand(message, title = "Wharf publish") {
  return `::error title=${escapeProperty(title)}::${escapeData(message)}
`;
}
var ATTESTATION_SUFFIX = ".publish.attestation";
async function packagesIn(dir, withAttestations) {
  let names;
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    const code = err.code;
    throw new ActionInputError(
      code === "ENOENT" ? `packages-dir ${dir} does not exist: build the distributions first (python -m build writes dist/), or download them (actions/download-artifact) into it.` : `packages-dir ${dir} cannot be read: ${err.message}`
    );
  }
  const distributions = [];
  const attestations = [];
  const ignored = [];
  const unknown = [];
  for (const name of names) {
    const file = path3.join(dir, name);
    if (!(await stat2(file)).isFile()) {
      ignored.push(name);
      continue;
    }
    if (name.endsWith(ATTESTATION_SUFFIX)) (withAttestations ? attestations : ignored).push(file);
    else if (filetypeOf(name)) distributions.push(file);
    else if (name.endsWith(".asc") || name.endsWith(".attestation") || name.endsWith(".sigstore.json") || name.endsWith(".sigstore")) ignored.push(name);
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new ActionInputError(
      `packages-dir ${dir} holds files that are not distributions: ${unknown.join(", ")}. Only wheels (.whl) and sdists (.tar.gz, .zip) are published; move the rest out, or point packages-dir at the distributions alone.`
    );
  }
  if (distributions.length === 0) {
    throw new ActionInputError(`packages-dir ${dir} holds no wheel or sdist: build them first (python -m build), or download them into it.`);
  }
  const published = new Set(distributions.map((f) => path3.basename(f)));
  const paired = attestations.filter((a) => published.has(path3.basename(a).slice(0, -ATTESTATION_SUFFIX.length)));
  const unpaired = attestations.filter((a) => !paired.includes(a)).map((a) => path3.basename(a));
  return { distributions, attestations: paired, ignored: [...ignored, ...unpaired] };
}
async function runAction(env, out, cwd = process.cwd()) {
  let inputs;
  let packages;
  try {
    inputs = readInputs(env);
    if (inputs.token) out.write(`::add-mask::${escapeData(inputs.token)}
`);
    if (!inputs.token && !env["ACTIONS_ID_TOKEN_REQUEST_URL"]) {
      throw new ActionInputError(
        "No token and no OIDC token to publish with: give the job `permissions: id-token: write` to publish by trusted publishing (the index needs a trusted publisher for the project: `wharf publisher add`), or pass `token: ${{ secrets.WHARF_TOKEN }}`."
      );
    }
    packages = await packagesIn(path3.resolve(cwd, inputs.packagesDir), inputs.attestations);
  } catch (err) {
    if (!(err instanceof ActionInputError)) throw err;
    out.write(errorCommand(err.message));
    return 1;
  }
  if (inputs.verbose) {
    out.write(`Index: ${inputs.repositoryUrl}
`);
    out.write(`Publishing with: ${inputs.token ? "the token input" : "trusted publishing (the job's GitHub OIDC token)"}
`);
    out.write(`skip-existing: ${inputs.skipExisting}, attestations: ${inputs.attestations}
`);
    for (const file of packages.distributions) out.write(`  ${path3.relative(cwd, file)} (${(await stat2(file)).size} bytes)
`);
    for (const file of packages.attestations) out.write(`  ${path3.relative(cwd, file)} (attestation)
`);
    for (const name of packages.ignored) out.write(`  ${name}: ignored
`);
  }
  const options = {
    url: inputs.repositoryUrl,
    ...inputs.token ? { token: inputs.token } : { "trusted-publishing": true },
    ...inputs.skipExisting ? { "skip-existing": true } : {},
    ...packages.attestations.length > 0 ? { attestations: packages.attestations } : {}
  };
  const stdout = { isTTY: false, write: (text) => out.write(text) };
  const stderr = { isTTY: false, write: (text) => out.write(errorCommand(text.trimEnd())) };
  return publishCommand(packages.distributions, options, { out: stdout, err: stderr, env });
}

// lambdas/cli/github-action-main.ts
runAction(process.env, process.stdout).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stdout.write(errorCommand(`The action failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`));
    if (err instanceof Error && err.stack) process.stdout.write(`${err.stack}
`);
    process.exitCode = 1;
  }
);
