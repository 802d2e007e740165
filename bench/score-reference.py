"""Plain-Python LF1 reference for bench/score.ts (no libraries): reads gold samples and
predictions, routes units by type (and EE role), scores each sample with code-point
Levenshtein similarity (method.md section 3), pools batched samples per instance and
prints the mean instance LF1 (0-100). The loop a researcher would write by hand."""
import json
import sys
import unicodedata

UNITS = {
    "NER": [("entity", "entity_type", ["entity"], None)],
    "SF": [("slot", "slot_type", ["slot"], None)],
    "ED": [("trigger", "event_type", ["event_trigger"], None)],
    "RE": [("relation", "relation", ["head", "tail"], None)],
    "EE": [("trigger", "event_type", ["event_trigger"], None), ("arg", "event_type", ["argument"], ("arguments", "role"))],
}


def norm(s):
    return unicodedata.normalize("NFC", s).strip()


def lev(a, b):
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def sim(a, b):
    if not a and not b:
        return 1.0
    return 1.0 - lev(a, b) / max(len(a), len(b))


def units(task, records, types):
    out = set()
    for rec in records:
        for kind, type_field, spans, each in UNITS[task]:
            t = rec.get(type_field)
            if not isinstance(t, str):
                continue
            folded = t.strip().lower()
            if types is not None:
                if folded not in types:
                    kind = "oos:" + kind
                else:
                    t = types[folded]
            if each is None:
                out.add((kind, t, None, tuple(norm(str(rec.get(f, ""))) for f in spans)))
            else:
                for item in rec.get(each[0]) or []:
                    out.add((kind, t, item.get(each[1]), tuple(norm(str(item.get(f, ""))) for f in spans)))
    return out


def unit_sim(p, g):
    return sum(sim(a, b) for a, b in zip(p[3], g[3])) / len(p[3])


def lf1(pred, gold):
    if not pred and not gold:
        return 1.0
    if not pred or not gold:
        return 0.0
    p = sum(max((unit_sim(y, g) for g in gold if g[:3] == y[:3]), default=0.0) for y in pred) / len(pred)
    r = sum(max((unit_sim(y, g) for y in pred if g[:3] == y[:3]), default=0.0) for g in gold) / len(gold)
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def parse_output(text):
    start = text.find("[")
    if start < 0:
        return None
    try:
        value = json.loads(text[start:])
    except ValueError:
        return None
    return value if isinstance(value, list) else None


def main():
    gold_path, pred_path = sys.argv[1], sys.argv[2]
    samples = {}
    for line in open(gold_path, encoding="utf-8"):
        if line.strip():
            s = json.loads(line)
            samples[s["id"]] = s
    preds = {}
    for line in open(pred_path, encoding="utf-8"):
        if line.strip():
            p = json.loads(line)
            preds[p["id"]] = p
    instances = {}
    for sid, s in samples.items():
        task = s["task"]
        types = {}
        for item in s["schema"]:
            name = item["event_type"] if isinstance(item, dict) else item
            types[name.strip().lower()] = name
        p = preds.get(sid)
        records = None
        if p is not None:
            records = p.get("records") if "records" in p else parse_output(p.get("output", ""))
        key = (task, s["dataset"], s["lang"], s.get("instance_id", sid))
        inst = instances.setdefault(key, [set(), set(), False])
        inst[1] |= units(task, s["labels"], None)
        if records is None:
            inst[2] = True
        else:
            inst[0] |= units(task, records, types)
    total = 0.0
    for pred, gold, failed in instances.values():
        # A sample with no usable answer earns nothing, not even the empty-set agreement.
        total += 0.0 if failed and not pred and not gold else lf1(pred, gold)
    print(100.0 * total / len(instances))


main()
