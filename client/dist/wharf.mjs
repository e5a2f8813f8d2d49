// the single-file client of Wharf, built from lambdas/cli/client-main.ts by `npm run build:clients`. Do not edit: rebuild.
import { createRequire as __wharfCreateRequire } from 'node:module';
const require = __wharfCreateRequire(import.meta.url);
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __commonJS = (cb, mod) => function __require() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
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

// lambdas/cli/command-line.ts
import { parseArgs } from "node:util";
function optionGroup(title, text) {
  const options = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const option = /^\s*--([a-z0-9-]+)(?: ([A-Z][A-Z0-9/_-]*)(\.\.\.)?)?\s{2,}(\S.*)$/.exec(line);
    if (option) {
      const [, name = "", arg, repeat, help = ""] = option;
      options.push({ name, type: arg ? "string" : "boolean", ...arg ? { arg } : {}, ...repeat ? { multiple: true } : {}, help });
      continue;
    }
    const last = options.pop();
    if (!last || !/^\s{4,}\S/.test(line)) throw new Error(`Not an option line in "${title}": ${line}`);
    options.push({ ...last, help: `${last.help}
${line.trim()}` });
  }
  return { title, options };
}
function optionLabel(o) {
  const name = o.name === "help" ? "-h, --help" : `--${o.name}`;
  return o.type === "string" ? `${name} ${o.arg ?? "VALUE"}` : name;
}
function optionLines(groups) {
  const all = groups.flatMap((g) => g.options);
  const width = Math.min(Math.max(...all.map((o) => optionLabel(o).length)) + 2, 28);
  const lines = [];
  for (const group of groups) {
    lines.push("", `${group.title}:`);
    for (const o of group.options) {
      const label = optionLabel(o);
      const [first = "", ...rest] = (o.help + (o.multiple ? " (repeatable)" : "")).split("\n");
      if (label.length + 2 > width) lines.push(`  ${label}`, `  ${" ".repeat(width)}${first}`);
      else lines.push(`  ${label.padEnd(width)}${first}`);
      for (const more of rest) lines.push(`  ${" ".repeat(width)}${more}`);
    }
  }
  return lines;
}
function renderHelp(path3) {
  const spec = path3[path3.length - 1];
  const name = ["wharf", ...path3.map((c) => c.name)].join(" ");
  const lines = [`Usage: ${name} ${spec.usage}`.trimEnd(), "", spec.summary];
  for (const paragraph of spec.details ?? []) lines.push("", ...paragraph.split("\n").map((l) => `  ${l}`));
  if (spec.subcommands) {
    lines.push("", "Commands:");
    for (const sub of spec.subcommands) lines.push(`  ${name} ${sub.name} ${sub.usage}`.trimEnd(), `      ${sub.summary}`);
    lines.push("", `Run \`${name} <command> --help\` for a command's options.`);
  } else {
    lines.push(...optionLines([...spec.options ?? [], { title: "Help", options: [HELP_OPTION] }]));
  }
  return `${lines.join("\n")}
`;
}
function asksForHelp(args) {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}
function resolveInvocation(commands, args, parents = []) {
  const [name, ...rest] = args;
  const where = ["wharf", ...parents.map((c) => c.name)].join(" ");
  const known = commands.map((c) => c.name).join(", ");
  if (name === void 0 || name.startsWith("-")) {
    if (name !== void 0 && asksForHelp([name])) return { path: parents, action: "help", positionals: [], values: {} };
    throw new UsageError(
      name === void 0 ? `${where}: name a command (${known}).` : `${where}: unknown option ${name.split("=")[0]}; name a command first (${known}).`,
      parents
    );
  }
  const spec = commands.find((c) => c.name === name);
  if (!spec) {
    throw new UsageError(`${where}: unknown ${parents.length > 0 ? "subcommand" : "command"} "${name}". Commands: ${known}.`, parents);
  }
  const path3 = [...parents, spec];
  if (spec.subcommands) {
    if (rest.length === 0) throw new UsageError(`${where} ${name}: name one of ${spec.subcommands.map((c) => c.name).join(", ")}.`, path3, true);
    return resolveInvocation(spec.subcommands, rest, path3);
  }
  if (asksForHelp(rest)) return { path: path3, action: "help", positionals: [], values: {} };
  const options = Object.fromEntries(
    (spec.options ?? []).flatMap((g) => g.options).map((o) => [o.name, { type: o.type, ...o.multiple ? { multiple: true } : {} }])
  );
  try {
    const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: spec.takesArguments ?? true, strict: true });
    return { path: path3, action: "run", positionals, values };
  } catch (err) {
    throw new UsageError(`${where} ${name}: ${parseErrorMessage(err)}`, path3);
  }
}
function parseErrorMessage(err) {
  const message = err instanceof Error ? err.message : String(err);
  const code = err.code;
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ""}: this command takes options only.`;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option ?? message}.`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return /argument missing/.test(message) ? `${option ?? "an option"} needs a value.` : `${option ?? "an option"} takes no value.`;
  }
  return message.split("\n")[0];
}
function helpPointer(path3) {
  return helpLine(["wharf", ...path3.map((c) => c.name)].join(" "));
}
function helpLine(command) {
  return `Run \`${command} --help\` for usage.`;
}
function usageMessage(command, message) {
  return `${command}: ${message}
${helpLine(command)}
`;
}
var UsageError, HELP_OPTION;
var init_command_line = __esm({
  "lambdas/cli/command-line.ts"() {
    "use strict";
    UsageError = class extends Error {
      constructor(message, path3 = [], withHelp = false) {
        super(message);
        this.path = path3;
        this.withHelp = withHelp;
      }
      path;
      withHelp;
    };
    HELP_OPTION = { name: "help", type: "boolean", help: "show this help" };
  }
});

// wharf-not-in-client:./token-command.ts
var require_token_command = __commonJS({
  "wharf-not-in-client:./token-command.ts"() {
    throw new Error("./token-command.ts is not in this client: it publishes only (wharf publish).");
  }
});

// wharf-not-in-client:./publisher-command.ts
var require_publisher_command = __commonJS({
  "wharf-not-in-client:./publisher-command.ts"() {
    throw new Error("./publisher-command.ts is not in this client: it publishes only (wharf publish).");
  }
});

// wharf-not-in-client:./project-command.ts
var require_project_command = __commonJS({
  "wharf-not-in-client:./project-command.ts"() {
    throw new Error("./project-command.ts is not in this client: it publishes only (wharf publish).");
  }
});

// wharf-not-in-client:./serve-command.ts
var require_serve_command = __commonJS({
  "wharf-not-in-client:./serve-command.ts"() {
    throw new Error("./serve-command.ts is not in this client: it publishes only (wharf publish).");
  }
});

// wharf-not-in-client:./import-run.ts
var require_import_run = __commonJS({
  "wharf-not-in-client:./import-run.ts"() {
    throw new Error("./import-run.ts is not in this client: it publishes only (wharf publish).");
  }
});

// wharf-not-in-client:./reindex-command.ts
var require_reindex_command = __commonJS({
  "wharf-not-in-client:./reindex-command.ts"() {
    throw new Error("./reindex-command.ts is not in this client: it publishes only (wharf publish).");
  }
});

// lambdas/cli/no-local-server.ts
var NoLocalServerError, NO_LOCAL_SERVER, readServerState, processAlive, readKeptAdminToken;
var init_no_local_server = __esm({
  "lambdas/cli/no-local-server.ts"() {
    NoLocalServerError = class extends Error {
    };
    NO_LOCAL_SERVER = "this client publishes to an index by its URL: pass --url https://YOUR-INDEX (the default, a local server found by its data directory, needs a Wharf checkout).";
    readServerState = async () => {
      throw new NoLocalServerError(NO_LOCAL_SERVER);
    };
    processAlive = () => false;
    readKeptAdminToken = async () => {
      throw new NoLocalServerError(NO_LOCAL_SERVER);
    };
  }
});

// lambdas/cli/wharf-answer.ts
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
var NotWharfError;
var init_wharf_answer = __esm({
  "lambdas/cli/wharf-answer.ts"() {
    "use strict";
    NotWharfError = class extends Error {
    };
  }
});

// lambdas/core/errors.ts
var init_errors = __esm({
  "lambdas/core/errors.ts"() {
    "use strict";
  }
});

// lambdas/core/names.ts
var init_names = __esm({
  "lambdas/core/names.ts"() {
    "use strict";
  }
});

// lambdas/core/trusted-publishing.ts
var MINTED_TOKEN_SECONDS;
var init_trusted_publishing = __esm({
  "lambdas/core/trusted-publishing.ts"() {
    "use strict";
    init_errors();
    init_names();
    MINTED_TOKEN_SECONDS = 15 * 60;
  }
});

// lambdas/core/attestations.ts
var MAX_ATTESTATIONS_BYTES;
var init_attestations = __esm({
  "lambdas/core/attestations.ts"() {
    "use strict";
    init_errors();
    init_trusted_publishing();
    MAX_ATTESTATIONS_BYTES = 256 * 1024;
  }
});

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
      parse,
      stringify
    };
    var validRegex = new RegExp("^" + VERSION_PATTERN2 + "$", "i");
    function valid2(version) {
      return validRegex.test(version) ? version : null;
    }
    var cleanRegex = new RegExp("^\\s*" + VERSION_PATTERN2 + "\\s*$", "i");
    function clean(version) {
      return stringify(parse(version, cleanRegex));
    }
    function parse(version, regex) {
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
    function stringify(parsed) {
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
      const parsed = parse(version);
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
        public: stringify(parsed).split("+", 1)[0],
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
    var { parse } = require_version();
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
      const parsedVersion = parse(version);
      const parsedOther = parse(other);
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
      parse,
      satisfies,
      filter,
      validRange: validRange2,
      maxSatisfying,
      minSatisfying
    };
    var isEqualityOperator = (op) => ["==", "!=", "==="].includes(op);
    var rangeRegex = new RegExp("^" + RANGE_PATTERN + "$", "i");
    function parse(ranges) {
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
      const parsed = parse(specifier);
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
      return Boolean(parse(specifier));
    }
  }
});

// node_modules/@renovatebot/pep440/lib/semantic.js
var require_semantic = __commonJS({
  "node_modules/@renovatebot/pep440/lib/semantic.js"(exports, module) {
    var { explain, parse, stringify } = require_version();
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
      const version = parse(input);
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
      return stringify(version);
    }
  }
});

// node_modules/@renovatebot/pep440/index.js
var require_pep440 = __commonJS({
  "node_modules/@renovatebot/pep440/index.js"(exports, module) {
    var { valid: valid2, clean, explain, parse } = require_version();
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
      parse,
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

// lambdas/core/versions.ts
var import_pep440, import_version, VERSION_RE, MAX_ORDERED_DIGITS;
var init_versions = __esm({
  "lambdas/core/versions.ts"() {
    "use strict";
    import_pep440 = __toESM(require_pep440(), 1);
    import_version = __toESM(require_version(), 1);
    init_errors();
    VERSION_RE = new RegExp(`^${import_version.VERSION_PATTERN}$`, "i");
    MAX_ORDERED_DIGITS = 255 - 32;
  }
});

// lambdas/core/filenames.ts
var utf8;
var init_filenames = __esm({
  "lambdas/core/filenames.ts"() {
    "use strict";
    init_errors();
    init_names();
    init_versions();
    utf8 = new TextEncoder();
  }
});

// lambdas/core/bytes.ts
var MiB, GiB;
var init_bytes = __esm({
  "lambdas/core/bytes.ts"() {
    "use strict";
    MiB = 1024 * 1024;
    GiB = 1024 * MiB;
  }
});

// lambdas/core/archives/archive-limits.ts
var init_archive_limits = __esm({
  "lambdas/core/archives/archive-limits.ts"() {
    "use strict";
    init_bytes();
    init_errors();
  }
});

// lambdas/core/archives/archive-paths.ts
var init_archive_paths = __esm({
  "lambdas/core/archives/archive-paths.ts"() {
    "use strict";
    init_errors();
  }
});

// lambdas/core/archives/tar-scanner.ts
var latin1, utf82;
var init_tar_scanner = __esm({
  "lambdas/core/archives/tar-scanner.ts"() {
    "use strict";
    init_bytes();
    init_errors();
    init_archive_limits();
    init_archive_paths();
    latin1 = new TextDecoder("latin1");
    utf82 = new TextDecoder("utf-8");
  }
});

// lambdas/core/archives/zip-reader.ts
var zipNameDecoder, MAX_CENTRAL_DIRECTORY_BYTES, READ_WINDOW, ONE_SHOT_BYTES, STREAM_STEP;
var init_zip_reader = __esm({
  "lambdas/core/archives/zip-reader.ts"() {
    "use strict";
    init_bytes();
    init_errors();
    init_archive_limits();
    init_archive_paths();
    zipNameDecoder = new TextDecoder("utf-8");
    MAX_CENTRAL_DIRECTORY_BYTES = 64 * MiB;
    READ_WINDOW = 8 * MiB;
    ONE_SHOT_BYTES = 16 * MiB;
    STREAM_STEP = 1 * MiB;
  }
});

// lambdas/core/requirements.ts
var import_specifier;
var init_requirements = __esm({
  "lambdas/core/requirements.ts"() {
    "use strict";
    import_specifier = __toESM(require_specifier(), 1);
  }
});

// lambdas/core/core-metadata.ts
var utf83;
var init_core_metadata = __esm({
  "lambdas/core/core-metadata.ts"() {
    "use strict";
    init_errors();
    init_names();
    init_requirements();
    init_versions();
    utf83 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  }
});

// lambdas/core/distribution.ts
var INSPECTION_LIMITS;
var init_distribution = __esm({
  "lambdas/core/distribution.ts"() {
    "use strict";
    init_tar_scanner();
    init_zip_reader();
    init_bytes();
    init_core_metadata();
    init_errors();
    init_filenames();
    init_names();
    init_versions();
    INSPECTION_LIMITS = Object.freeze({
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
  }
});

// lambdas/core/release-metadata.ts
var KiB, utf84, RELEASE_METADATA_LIMITS;
var init_release_metadata = __esm({
  "lambdas/core/release-metadata.ts"() {
    "use strict";
    init_errors();
    KiB = 1024;
    utf84 = new TextEncoder();
    RELEASE_METADATA_LIMITS = Object.freeze({
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
  }
});

// lambdas/core/upload-form.ts
var init_upload_form = __esm({
  "lambdas/core/upload-form.ts"() {
    "use strict";
    init_core_metadata();
    init_errors();
    init_names();
    init_versions();
  }
});

// lambdas/core/legacy-upload.ts
var utf85;
var init_legacy_upload = __esm({
  "lambdas/core/legacy-upload.ts"() {
    "use strict";
    init_distribution();
    init_errors();
    init_filenames();
    init_names();
    init_release_metadata();
    init_upload_form();
    init_versions();
    utf85 = new TextEncoder();
  }
});

// lambdas/core/upload-session.ts
var S3_MULTIPART, VERIFY_DEADLINE_SECONDS;
var init_upload_session = __esm({
  "lambdas/core/upload-session.ts"() {
    "use strict";
    init_attestations();
    init_errors();
    init_filenames();
    init_legacy_upload();
    S3_MULTIPART = Object.freeze({
      minPartBytes: 5 * 1024 * 1024,
      maxParts: 1e4,
      /** The largest object a single PUT or CopyObject takes (5 GiB). */
      maxSinglePutBytes: 5 * 1024 * 1024 * 1024
    });
    VERIFY_DEADLINE_SECONDS = 35 * 60;
  }
});

// lambdas/cli/oidc-exchange.ts
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
async function trustedPublishingToken(indexUrl, env = process.env) {
  const audience = await fetchAudience(indexUrl);
  return exchangeOidcToken(indexUrl, await githubActionsOidcToken(audience, env));
}
var OidcExchangeError;
var init_oidc_exchange = __esm({
  "lambdas/cli/oidc-exchange.ts"() {
    "use strict";
    init_wharf_answer();
    OidcExchangeError = class extends Error {
    };
  }
});

// lambdas/cli/publish-client.ts
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import path from "node:path";
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
var PublishError, sleep, PublishClient;
var init_publish_client = __esm({
  "lambdas/cli/publish-client.ts"() {
    "use strict";
    init_upload_session();
    init_oidc_exchange();
    init_wharf_answer();
    PublishError = class extends Error {
    };
    sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    PublishClient = class {
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
      async api(method, url, body) {
        const attempts = this.options.attempts ?? 5;
        let token = await this.auth();
        let renewed = false;
        for (let attempt = 1; ; attempt++) {
          let response;
          try {
            response = await fetch(url, jsonRequest(method, token, body));
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
          const answer = { status: response.status, contentType: response.headers.get("content-type"), text };
          const value = wharfJson(this.base, answer, "status");
          return { status: response.status, value };
        }
      }
      delay(attempt) {
        return (this.options.retryDelayMs ?? 500) * 2 ** (attempt - 1);
      }
      /** @param attestations PEP 740 attestation objects of this file, sent with its declaration */
      async publish(file, attestations) {
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
      async uploadParts(file, session, progress) {
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
          const answer = await this.api("POST", this.absolute(session.links.parts), { partNumbers: numbers });
          if (answer.status !== 200) throw new PublishError(answer.value.error ?? `getting upload URLs failed (${answer.status})`);
          for (const part of answer.value.parts ?? []) {
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
  }
});

// lambdas/cli/import-progress.ts
function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  const m = Math.ceil(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
var KB, MB, GB;
var init_import_progress = __esm({
  "lambdas/cli/import-progress.ts"() {
    "use strict";
    KB = 1e3;
    MB = 1e3 * KB;
    GB = 1e3 * MB;
  }
});

// lambdas/cli/publish-command.ts
var publish_command_exports = {};
__export(publish_command_exports, {
  DEFAULT_COLUMNS: () => DEFAULT_COLUMNS,
  MIN_RATE_SECONDS: () => MIN_RATE_SECONDS,
  ProgressBar: () => ProgressBar,
  attestationsByFile: () => attestationsByFile,
  formatBytes: () => formatBytes2,
  publishCommand: () => publishCommand,
  renderProgressLine: () => renderProgressLine,
  tokenFromEnvironment: () => tokenFromEnvironment,
  uploadRate: () => uploadRate,
  wantsTrustedPublishing: () => wantsTrustedPublishing
});
import { readFile } from "node:fs/promises";
import path2 from "node:path";
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
      value = JSON.parse(await readFile(file, "utf8"));
    } catch (err) {
      throw new PublishError(`${file} cannot be read as a JSON attestation: ${err.message}`);
    }
    const list = byFile.get(owner) ?? [];
    list.push(...Array.isArray(value) ? value : [value]);
    byFile.set(owner, list);
  }
  return byFile;
}
function formatBytes2(n) {
  return n >= 1e3 * MB2 ? `${(n / (1e3 * MB2)).toFixed(2)} GB` : `${(n / MB2).toFixed(1)} MB`;
}
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
function tokenFromEnvironment(env) {
  if (env["WHARF_TOKEN"]) return env["WHARF_TOKEN"];
  if (env["TWINE_USERNAME"] === "__token__" && env["TWINE_PASSWORD"]) return env["TWINE_PASSWORD"];
  return void 0;
}
function wantsTrustedPublishing(options, env) {
  if (options["trusted-publishing"]) return true;
  return options.token === void 0 && tokenFromEnvironment(env) === void 0 && Boolean(env["ACTIONS_ID_TOKEN_REQUEST_URL"]);
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
  if (wantsTrustedPublishing(options, env)) {
    const url2 = options.url ?? (await localServerUrl(options, env)).url;
    const auth = trustedPublishingAuth(url2, env);
    await auth();
    return { url: url2, auth, how: "trusted publishing (GitHub Actions OIDC)" };
  }
  const token = options.token ?? tokenFromEnvironment(env);
  if (options.url) {
    if (!token) {
      throw new PublishError(
        `No token to publish to ${options.url} with: pass --token, or set WHARF_TOKEN (or TWINE_USERNAME=__token__ and TWINE_PASSWORD), or publish from a GitHub Actions job with \`permissions: id-token: write\` by trusted publishing (--trusted-publishing). A token needs upload scope for the project (npm run wharf -- token create --scope upload:NAME).`
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
  for (const file of files) {
    const bar = new ProgressBar(io.out);
    const client = new PublishClient(target.url, target.auth, {
      concurrency,
      skipExisting: options["skip-existing"] === true,
      onProgress: (p) => bar.update(p)
    });
    try {
      const result = await client.publish(file, attestations.get(path2.basename(file)));
      bar.finish();
      results.push(result);
      const rate = result.seconds > 0 ? ` in ${result.seconds.toFixed(1)}s (${(result.size / MB2 / result.seconds).toFixed(1)} MB/s)` : "";
      const line = result.outcome === "published" ? `${result.filename}: published, ${formatBytes2(result.size)}${rate}` : result.outcome === "unchanged" ? `${result.filename}: already published with these exact bytes, nothing to do` : `${result.filename}: skipped (--skip-existing): ${result.message}`;
      io.out.write(`${line}
`);
    } catch (err) {
      bar.finish();
      if (err instanceof NotWharfError) {
        io.err.write(`wharf publish: ${err.message}
`);
        return 1;
      }
      const message = err instanceof Error ? err.message : String(err);
      failures.push({ filename: path2.basename(file), message });
      io.err.write(`${path2.basename(file)}: FAILED: ${message}
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
var MB2, DEFAULT_COLUMNS, MIN_RATE_SECONDS, BAR_MAX, BAR_MIN, NAME_MIN, ProgressBar;
var init_publish_command = __esm({
  "lambdas/cli/publish-command.ts"() {
    "use strict";
    init_no_local_server();
    init_command_line();
    init_no_local_server();
    init_wharf_answer();
    init_publish_client();
    init_import_progress();
    MB2 = 1e3 * 1e3;
    DEFAULT_COLUMNS = 80;
    MIN_RATE_SECONDS = 0.25;
    BAR_MAX = 24;
    BAR_MIN = 5;
    NAME_MIN = 12;
    ProgressBar = class {
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
  }
});

// lambdas/cli/client-main.ts
init_command_line();

// lambdas/cli/commands.ts
init_command_line();
var DATA_DIR = "--data-dir DIR  the local index (default .wharf, or $WHARF_DATA_DIR)";
var REGION = "--region R  AWS region of the deployed index";
var JSON_OUT = "--json  print JSON instead of text";
var STACK = "--stack NAME  a deployed stack, with your AWS credentials (IAM)";
var LOCAL_DEFAULT = "Where (default: the local index in .wharf, or --data-dir DIR)";
function tokensTableWhere(tokenHelp) {
  return optionGroup(
    LOCAL_DEFAULT,
    `--url URL  any Wharf's admin API (with --token)
     --token T  ${tokenHelp}
     ${STACK}
     --tokens-table T  a deployed tokens table by name, with your AWS credentials
     ${REGION}
     ${DATA_DIR}
     ${JSON_OUT}`
  );
}
function subcommand(where, run) {
  return (name, usage, summary, extra = {}) => ({
    name,
    usage,
    summary,
    ...extra.details ? { details: extra.details } : {},
    options: [...extra.options ?? [], where],
    run: (positionals, values) => run(name, positionals, values)
  });
}
var tokenSub = subcommand(tokensTableWhere("an admin token for --url (or $WHARF_TOKEN)"), async (action, positionals, values) => {
  const { tokenCommand } = await Promise.resolve().then(() => __toESM(require_token_command(), 1));
  return tokenCommand(action, positionals, values);
});
var publisherSub = subcommand(
  tokensTableWhere("for --url: an admin token, or one with upload scope on the project\n         (or $WHARF_TOKEN)"),
  async (action, positionals, values) => {
    const { publisherCommand } = await Promise.resolve().then(() => __toESM(require_publisher_command(), 1));
    return publisherCommand(action, positionals, values);
  }
);
var PROJECT_WHERE = optionGroup(
  LOCAL_DEFAULT,
  `--url URL  any Wharf over its API (with --token)
   --token T  a token with upload scope on the project, for --url (or $WHARF_TOKEN)
   ${STACK}
   --table T  a deployed index by table name (with --bucket), with your AWS credentials
   --bucket B  the deployed index's bucket (with --table)
   ${REGION}
   ${DATA_DIR}
   ${JSON_OUT}`
);
function projectSpec(name, usage, summary, own = "") {
  return {
    name,
    usage,
    summary,
    options: [
      optionGroup("Options", `--file FILENAME  one file instead of a whole release
${own}`),
      PROJECT_WHERE
    ],
    async run(positionals, values) {
      const { projectCommand } = await Promise.resolve().then(() => __toESM(require_project_command(), 1));
      return projectCommand(name, positionals, values);
    }
  };
}
var COMMANDS = [
  {
    name: "serve",
    usage: "[options]",
    summary: "Run Wharf locally, with embedded DynamoDB and S3 (what `npm start` does).",
    takesArguments: false,
    options: [
      optionGroup(
        "Options",
        `--port N  port to listen on (default 8080, or $WHARF_PORT; 0 picks a free one)
         --host ADDR  address to listen on (default 127.0.0.1)
         --data-dir DIR  where the index keeps its data (default .wharf, or $WHARF_DATA_DIR)
         --memory  keep everything in memory: a throwaway index
         --private  reads need a token too (default on any address but loopback)
         --public  reads need no token (default on loopback); writes always do
         --quiet  no access log
         --upstream MODE  projects not hosted here: none, redirect, proxy (default) or cache
         --upstream-url URL  the upstream simple index (default https://pypi.org/simple/,
             or $WHARF_UPSTREAM_URL)
         --upstream-ttl S  seconds an upstream page is kept before asking again (default 600)
         --reserve PATTERN...  a name or prefix (acme-*) never looked up upstream
         --mix PROJECT...  a hosted project whose page also lists upstream files
         --oidc-audience A  audience trusted publishing asks CI jobs for (default "wharf")
         --oidc-github-issuer URL  GitHub Actions' OIDC issuer (default GitHub's; GHES or a test issuer)
         --sigstore-trusted-root FILE  the trusted_root.json PEP 740 attestations are verified against
             (default Sigstore's public-good root, pinned in Wharf; a private Sigstore's)`
      )
    ],
    async run(_positionals, values) {
      const { serveCommand } = await Promise.resolve().then(() => __toESM(require_serve_command(), 1));
      return serveCommand(values);
    }
  },
  {
    name: "import",
    usage: "PATH... [options]",
    summary: "Load wheels and sdists from files or directories (a dist/, a pypiserver directory).",
    options: [
      optionGroup(
        "Where (default: the local index in .wharf)",
        `--data-dir DIR  the local index to import into (default .wharf)
         --stack NAME  import into a deployed Wharf stack (by its outputs) instead
         --table T  import into a deployed index by table name (with --bucket)
         --bucket B  the deployed index's bucket (with --table)
         ${REGION}`
      ),
      optionGroup(
        "How",
        `--concurrency N  files imported at once (default 8, or 16 into a deployed index; at most
             128 MiB of them in memory, files over 16 MiB streamed from disk)`
      )
    ],
    async run(positionals, values) {
      const { importCommand } = await Promise.resolve().then(() => __toESM(require_import_run(), 1));
      return importCommand(values, positionals);
    }
  },
  {
    name: "reindex",
    usage: "[options]",
    summary: "Compute every project's search summary again (once, for an index written before search existed).",
    options: [
      optionGroup(
        "Where (default: the local index in .wharf)",
        `--data-dir DIR  the local index (default .wharf)
         --stack NAME  a deployed Wharf stack (by its outputs), with your AWS credentials
         --table T  a deployed index by table name (with --bucket)
         --bucket B  the deployed index's bucket (with --table)
         ${REGION}`
      ),
      optionGroup("How", "--concurrency N  projects at once (default 8)")
    ],
    async run(_positionals, values) {
      const { reindexCommand } = await Promise.resolve().then(() => __toESM(require_reindex_command(), 1));
      return reindexCommand(values);
    }
  },
  projectSpec(
    "yank",
    "PROJECT (VERSION | --file FILENAME) [--reason TEXT] [options]",
    "Yank a release or a file (PEP 592): pip skips it unless pinned to it.",
    "--reason TEXT  why, shown by pip to whoever pins it"
  ),
  projectSpec("unyank", "PROJECT (VERSION | --file FILENAME) [options]", "Undo a yank."),
  projectSpec(
    "delete",
    "PROJECT (VERSION | --file FILENAME) --yes [options]",
    "Delete a release or a file: the bytes go, and the filename can never be used again.",
    "--yes  confirm: deleting cannot be undone"
  ),
  {
    name: "project",
    usage: "<status> [options]",
    summary: "A project's status (PEP 792): active, archived, quarantined or deprecated.",
    subcommands: [
      {
        name: "status",
        usage: "PROJECT [STATUS] [--reason TEXT] [options]",
        summary: "Show a project's status, or set it.",
        details: [
          "STATUS is one of:\n  active       the default: uploads taken, files served\n  archived     no new uploads; its files are still served and installable\n  quarantined  no uploads, and none of its files served: pip cannot install it\n               (only an admin may quarantine a project or lift a quarantine)\n  deprecated   as active; installers may warn\nThe simple pages show it (pypi:project-status, JSON project-status)."
        ],
        options: [optionGroup("Options", "--reason TEXT  why, shown on the project page (one line)"), PROJECT_WHERE],
        async run(positionals, values) {
          const { projectStatusCommand } = await Promise.resolve().then(() => __toESM(require_project_command(), 1));
          return projectStatusCommand(positionals, values);
        }
      }
    ]
  },
  {
    name: "token",
    usage: "<create|list|revoke> [options]",
    summary: "Manage API tokens of a local or deployed index.",
    subcommands: [
      tokenSub("create", "--scope S [--scope S ...] [options]", "Make a token; its secret is shown this once.", {
        details: ["S is read:PATTERN, upload:PATTERN or admin; PATTERN is a project name,\na prefix such as acme-*, or * for every project."],
        options: [
          optionGroup(
            "Options",
            `--scope S...  what the token may do (at least one)
             --description TEXT  what it is for, shown by \`wharf token list\`
             --expires WHEN  a lifetime such as 90d, or a date such as 2027-06-30 (default never)`
          )
        ]
      }),
      tokenSub("list", "[options]", "List tokens (never their secrets)."),
      tokenSub("revoke", "ID [options]", "Revoke a token by its id (from `wharf token list`).")
    ]
  },
  {
    name: "publisher",
    usage: "<add|list|remove> [options]",
    summary: "Trusted publishers: GitHub Actions workflows that publish with no stored token.",
    subcommands: [
      publisherSub(
        "add",
        "--project P --repository OWNER/REPO --repository-id N --owner-id N --workflow FILE [--environment ENV] [options]",
        "Trust a GitHub Actions workflow to publish P with no stored token.",
        {
          details: [
            "The ids pin the repository and its owner, so a renamed or re-created\nrepository cannot take over: `gh api repos/OWNER/REPO --jq '.id, .owner.id'`\nprints them. Without --environment, jobs in any environment (or none) match."
          ],
          options: [
            optionGroup(
              "Options",
              `--project P  the project it may publish
               --repository OWNER/REPO  the GitHub repository the workflow is in
               --repository-id N  the repository's numeric id
               --owner OWNER  the owner, when not given in --repository
               --owner-id N  the owner's numeric id
               --workflow FILE  the workflow file, e.g. release.yml
               --environment ENV  only jobs in this GitHub environment, e.g. pypi`
            )
          ]
        }
      ),
      publisherSub("list", "[--project P] [options]", "List trusted publishers.", {
        options: [optionGroup("Options", "--project P  only this project's")]
      }),
      publisherSub("remove", "ID [options]", "Remove a trusted publisher by its id (from `wharf publisher list`).")
    ]
  },
  {
    name: "publish",
    usage: "FILE... [options]",
    summary: "Publish wheels and sdists of any size (up to 5 GB) straight to S3, through upload sessions.",
    options: [
      optionGroup(
        "Options",
        `--url URL  the index (default: the local server running on --data-dir)
         --token TOKEN  upload token (or $WHARF_TOKEN, or $TWINE_PASSWORD with TWINE_USERNAME=__token__)
         --trusted-publishing  exchange the GitHub Actions job's OIDC token for an upload token
             (the default in a job with \`id-token: write\` when no token is given;
             the index needs a publisher for the project: see \`wharf publisher\`)
         --skip-existing  files already on the index are skipped, not errors
         --attestations FILE...  PEP 740 attestations to send with the files, each named after its
             file (FILE.whl.publish.attestation, as gh-action-pypi-publish writes them)
         --concurrency N  parts uploaded in parallel (default 4)
         ${DATA_DIR}`
      )
    ],
    async run(positionals, values) {
      const { publishCommand: publishCommand2 } = await Promise.resolve().then(() => (init_publish_command(), publish_command_exports));
      return publishCommand2(positionals, values);
    }
  }
];

// lambdas/cli/client-main.ts
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
var LOCAL_ONLY = /* @__PURE__ */ new Set(["data-dir"]);
function publishSpec() {
  const spec = COMMANDS.find((c) => c.name === "publish");
  if (!spec) throw new Error("commands.ts has no publish command");
  return {
    ...spec,
    options: (spec.options ?? []).map((group) => ({
      ...group,
      options: group.options.filter((o) => !LOCAL_ONLY.has(o.name)).map((o) => o.name === "url" ? { ...o, help: "the index: its base URL, or its /simple/ or /legacy/ URL (required)" } : o)
    }))
  };
}
function topHelp(publish) {
  return [
    "wharf.mjs: Wharf's publish client in one file, served by the index (GET /client/wharf.mjs).",
    "Needs Node.js 20 or later and nothing else.",
    "",
    "  node wharf.mjs publish dist/* --url https://YOUR-INDEX [--token T | --trusted-publishing]",
    "",
    renderHelp([publish])
  ].join("\n");
}
async function main(argv) {
  const publish = publishSpec();
  const [first] = argv;
  if (first === void 0 || first === "--help" || first === "-h" || first === "help" && argv.length === 1) {
    process.stdout.write(topHelp(publish));
    return 0;
  }
  try {
    const invocation = resolveInvocation([publish], first === "help" ? [...argv.slice(1), "--help"] : argv);
    if (invocation.action === "help") {
      process.stdout.write(invocation.path.length === 0 ? topHelp(publish) : renderHelp(invocation.path));
      return 0;
    }
    if (typeof invocation.values["url"] !== "string") {
      throw new UsageError("wharf publish: --url is required: the index to publish to, e.g. --url https://YOUR-INDEX.", invocation.path);
    }
    return await publish.run(invocation.positionals, invocation.values);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message.replace(/\. Commands: publish\.$/, ". This client has one command: publish.")}
`);
    process.stderr.write(`${helpPointer(err.path).replace("`wharf ", "`node wharf.mjs ")}
`);
    return 2;
  }
}
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`wharf: ${err instanceof Error ? err.message : String(err)}
`);
    process.exitCode = 1;
  }
);
