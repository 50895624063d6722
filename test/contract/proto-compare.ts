/**
 * Compares a proto subset against its upstream definition, declaration by
 * declaration: for every message, field, enum value, service and RPC the
 * subset declares, the upstream one must exist with the same name, number,
 * type, label (repeated, proto3 optional, map) and oneof membership, and the
 * same request/response types and streaming shape. Enums must carry every
 * upstream value (a value the subset lacks would make a valid answer
 * undecodable). Upstream declarations the subset leaves out are fine: a
 * decoder skips unknown fields.
 *
 * Both sides are protobufjs Roots with keepCase: true, so names are the .proto
 * spellings (`vlan_id`, not `vlanId`).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as protobuf from 'protobufjs';

/** Loads .proto files into one resolved Root, looking imports up in `includeDirs` in order. */
export function loadRoot(files: string[], includeDirs: string[]): protobuf.Root {
  const dirs = [...includeDirs, path.dirname(require.resolve('protobufjs/package.json'))];
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const d of dirs) {
      const p = path.join(d, target);
      if (fs.existsSync(p)) return p;
    }
    throw new Error(`import ${target} not found in ${dirs.join(', ')}`);
  };
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

function walk(
  ns: protobuf.NamespaceBase,
  out: protobuf.ReflectionObject[] = [],
): protobuf.ReflectionObject[] {
  for (const o of ns.nestedArray) {
    out.push(o);
    if (o instanceof protobuf.Namespace || o instanceof protobuf.Type || o instanceof protobuf.Service) {
      walk(o as protobuf.NamespaceBase, out);
    }
  }
  return out;
}

const strip = (fullName: string) => fullName.replace(/^\./, '');

function typeOf(f: protobuf.Field): string {
  return f.resolvedType ? strip(f.resolvedType.fullName) : f.type;
}

function labelOf(f: protobuf.Field): string {
  if (f instanceof protobuf.MapField) return `map<${f.keyType}, ${typeOf(f)}>`;
  if (f.repeated) return 'repeated';
  if (f.options?.proto3_optional) return 'optional';
  if (f.required) return 'required';
  return 'singular';
}

function oneofOf(f: protobuf.Field): string {
  if (!f.partOf || f.options?.proto3_optional) return '(none)';
  return f.partOf.name;
}

function fileOf(o: protobuf.ReflectionObject, relativeTo: string): string {
  return o.filename ? path.relative(relativeTo, o.filename) : '(table)';
}

/**
 * Every difference between `subset` and `upstream`, one line each, naming the
 * subset's file, the declaration, and both values. Empty when they agree.
 */
export function compareRoots(subset: protobuf.Root, upstream: protobuf.Root, relativeTo: string): string[] {
  const out: string[] = [];
  const find = <T extends protobuf.ReflectionObject>(
    kind: new (...a: never[]) => T,
    fullName: string,
  ): T | undefined => {
    const o = upstream.lookup(fullName);
    return o instanceof kind ? o : undefined;
  };
  for (const o of walk(subset)) {
    const name = strip(o.fullName);
    const where = `${fileOf(o, relativeTo)}: ${name}`;
    if (o instanceof protobuf.Type) {
      const up = find(protobuf.Type, name);
      if (!up) {
        out.push(`${where}: message is not in upstream`);
        continue;
      }
      for (const f of o.fieldsArray) {
        const u = up.fields[f.name];
        if (!u) {
          const byNumber = up.fieldsArray.find((x) => x.id === f.id);
          out.push(
            `${where}.${f.name}: field is not in upstream` +
              (byNumber ? ` (upstream number ${f.id} is ${byNumber.name})` : ''),
          );
          continue;
        }
        const pairs: Array<[string, string | number, string | number]> = [
          ['number', f.id, u.id],
          ['type', typeOf(f), typeOf(u)],
          ['label', labelOf(f), labelOf(u)],
          ['oneof', oneofOf(f), oneofOf(u)],
        ];
        for (const [what, mine, theirs] of pairs) {
          if (mine !== theirs) out.push(`${where}.${f.name}: ${what} is ${mine} here, ${theirs} upstream`);
        }
      }
    } else if (o instanceof protobuf.Enum) {
      const up = find(protobuf.Enum, name);
      if (!up) {
        out.push(`${where}: enum is not in upstream`);
        continue;
      }
      for (const [value, n] of Object.entries(o.values)) {
        if (!(value in up.values)) out.push(`${where}.${value}: enum value is not in upstream`);
        else if (up.values[value] !== n)
          out.push(`${where}.${value}: number is ${n} here, ${up.values[value]} upstream`);
      }
      for (const [value, n] of Object.entries(up.values)) {
        if (!(value in o.values))
          out.push(`${where}.${value}: upstream enum value ${value} = ${n} is missing here`);
      }
    } else if (o instanceof protobuf.Service) {
      const up = find(protobuf.Service, name);
      if (!up) {
        out.push(`${where}: service is not in upstream`);
        continue;
      }
      for (const m of o.methodsArray) {
        const u = up.methods[m.name];
        if (!u) {
          out.push(`${where}.${m.name}: rpc is not in upstream`);
          continue;
        }
        m.resolve();
        u.resolve();
        const shape = (x: protobuf.Method) =>
          `(${x.requestStream ? 'stream ' : ''}${strip(x.resolvedRequestType?.fullName ?? x.requestType)}) returns (${
            x.responseStream ? 'stream ' : ''
          }${strip(x.resolvedResponseType?.fullName ?? x.responseType)})`;
        if (shape(m) !== shape(u))
          out.push(`${where}.${m.name}: rpc is ${shape(m)} here, ${shape(u)} upstream`);
      }
    }
  }
  return out;
}
