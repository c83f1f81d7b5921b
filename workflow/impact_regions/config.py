"""Loading and validating the configuration: config.yaml, catalogues and territory files.

Every file is read with PyYAML's safe loader and validated against its JSON Schema in
``workflow/schemas/``; cross-file rules that a schema cannot express (a domain that does not
exist, a département not in the COG, a region file whose départements differ from the COG)
are checked here. Problems raise :class:`~impact_regions.errors.ConfigError` naming the file
and the field, before Snakemake schedules any job.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import ConfigError

if TYPE_CHECKING:  # geo imports pandas: keep this module light for the report jobs
    from .geo import DepartementIndex, Geography

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
RESERVED_CODES = {"FR"}
DEPARTEMENT_PREFIX = "DEP-"
# PyYAML's safe loader in C (libyaml) when PyYAML was built with it: the same documents, about
# eight times faster than the pure-Python one (0.05 s less per job that reads the catalogues)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file safely; a syntax error becomes a ConfigError with its line."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(path, "(file)", "file not found")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            path, f"line {line}", f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): save the file as UTF-8"
        ) from None
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(syntax)"
        raise ConfigError(path, where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None


def _schema(name: str) -> dict:
    return yaml.load((SCHEMA_DIR / f"{name}.schema.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)


def _fill_defaults(instance: Any, schema: dict) -> Any:
    """Fill `default`s of object properties recursively (jsonschema validates, never fills)."""
    if isinstance(instance, dict) and schema.get("type") == "object":
        for key, sub in schema.get("properties", {}).items():
            if key not in instance and "default" in sub:
                instance[key] = copy.deepcopy(sub["default"])
            if key in instance:
                instance[key] = _fill_defaults(instance[key], sub)
    return instance


def validate(data: Any, schema_name: str, path: str | Path, check: bool = True) -> Any:
    """Validate `data` against `workflow/schemas/<schema_name>.schema.yaml`, then fill defaults.

    `check=False` only fills the defaults: for the report jobs, which read files that the
    workflow validated when it was parsed (workflow/rules/common.smk), and start faster without
    jsonschema."""
    schema = _schema(schema_name)
    if not check:
        return _fill_defaults(data, schema)
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = errors[0]
        field = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        if err.validator == "oneOf" and isinstance(err.instance, dict):
            problem = "does not match exactly one of the allowed shapes (check the required keys of this entry)"
        else:
            problem = err.message
        raise ConfigError(path, field, problem)
    return _fill_defaults(data, schema)


def load_config(path: str | Path) -> dict:
    """config.yaml, validated, with every default filled in."""
    return check_config(load_yaml(path) or {}, path)


def check_config(data: dict, path: str | Path) -> dict:
    """Validate a configuration dict (as Snakemake merged it) and fill its defaults."""
    config = validate(copy.deepcopy(data), "config", path)
    # `--config 'territories={departements: true}'`: Snakemake passes nested values as text
    deps = config["territories"]["departements"]
    config["territories"]["departements"] = deps if isinstance(deps, bool) else deps.lower() == "true"
    index = config["index"]
    if index["aggregation"] == "geometric" and index["normalisation"] == "zscore":
        raise ConfigError(
            path, "index.aggregation", "geometric aggregation needs positive scores: use normalisation minmax or ratio"
        )
    return config


def load_indicators(path: str | Path, check: bool = True) -> dict:
    """Indicator catalogue, validated, with `sources` normalised to a level -> file mapping."""
    cat = validate(load_yaml(path) or {}, "indicators", path, check)
    domains = [d["id"] for d in cat["domains"]]
    if len(set(domains)) != len(domains):
        raise ConfigError(path, "domains", "duplicate domain id")
    seen = set()
    for i, ind in enumerate(cat["indicators"]):
        where = f"indicators.{i}"
        if ind["id"] in seen:
            raise ConfigError(path, f"{where}.id", f"duplicate indicator id '{ind['id']}'")
        seen.add(ind["id"])
        if ind["domain"] not in domains:
            raise ConfigError(
                path, f"{where}.domain", f"unknown domain '{ind['domain']}' (domains: {', '.join(domains)})"
            )
        additive = "numerator" in ind
        if additive:
            if ind["level"] != "commune":
                raise ConfigError(
                    path, f"{where}.level", "additive indicators (numerator) must be read at commune level"
                )
            if isinstance(ind["numerator"], str):
                ind["numerator"] = [ind["numerator"]]
            ind.setdefault("multiplier", 1)
            ind["sources"] = {"commune": ind["source"]}
        else:
            if "source" in ind and "sources" in ind:
                raise ConfigError(path, f"{where}.sources", "give either source or sources, not both")
            if "source" in ind:
                ind["sources"] = {ind["level"]: ind.pop("source")}
            if "sources" not in ind:
                raise ConfigError(path, f"{where}.source", "a source file is required")
            if ind["level"] not in ind["sources"]:
                raise ConfigError(path, f"{where}.level", f"level '{ind['level']}' has no file in sources")
            ind.setdefault("weight", "population")
        ind["additive"] = additive
    for d in domains:
        if not any(ind["domain"] == d for ind in cat["indicators"]):
            raise ConfigError(path, "indicators", f"domain '{d}' has no indicator")
    return cat


def load_survey(path: str | Path, domains: list[dict], check: bool = True) -> dict:
    """Survey codebook, validated, with `pattern` measures expanded over the domains."""
    codebook = validate(load_yaml(path) or {}, "survey", path, check)
    measures = []
    for i, m in enumerate(codebook["measures"]):
        if m["kind"] in ("mean", "agree") and ("min" not in m or "max" not in m):
            raise ConfigError(path, f"measures.{i}", f"a '{m['kind']}' measure needs min and max")
        if m["kind"] == "agree" and not m.get("positive"):
            raise ConfigError(path, f"measures.{i}.positive", "an 'agree' measure needs its positive answers")
        if "pattern" in m:
            for d in domains:
                mm = {k: v for k, v in m.items() if k != "pattern"}
                mm["id"] = m["pattern"].format(domain=d["id"])
                mm["label"] = m["label"].format(domain_label=d["label"])
                mm["domain"] = d["id"]
                mm["family"] = m["pattern"]  # the 16 tests of a pattern form one Holm family
                measures.append(mm)
        else:
            measures.append(dict(m))
    ids = [m["id"] for m in measures]
    dup = {x for x in ids if ids.count(x) > 1}
    if dup:
        raise ConfigError(path, "measures", f"measure defined twice: {', '.join(sorted(dup))}")
    codebook["measures"] = measures
    carried: set[str] = set()
    for i, spec in enumerate(codebook["files"]):
        for key in ("region_column", "departement_column"):  # a file's own key, else the top-level one
            spec[f"{key}_entry"] = f"files.{i}.{key}" if key in spec else key
            spec.setdefault(key, codebook[key])
        spec["measure_columns"] = _file_measures(path, i, spec, measures, domains)
        spec["extras"] = _file_extras(path, i, spec)
        carried |= set(spec["measure_columns"])
    for m in codebook["measures"]:
        if m["id"] not in carried:
            raise ConfigError(
                path,
                "measures",
                f"measure '{m['id']}' is in no file's `measures`: add it to the file "
                "that has its question, or remove it",
            )
    return codebook


def _file_measures(path, i: int, spec: dict, measures: list[dict], domains: list[dict]) -> dict[str, dict]:
    """measure id -> {column, optional, entry} for one file of the codebook.

    Without `measures:` the file carries every measure, each in the column of its name. With it,
    the keys are measure ids or patterns (``fragilite_{domain}``) and the values the delivered
    column (``Q3_1``; for a pattern a template with ``{domain}`` or ``{n}``, the domain's
    position 1..16 in the catalogue), or ``{column: …, optional: true}``; an id given beside its
    pattern overrides it. `entry` names the codebook entry in error messages."""
    where = f"files.{i}.measures"
    given = spec.get("measures")
    if given is None:
        given = {m.get("family") or m["id"]: None for m in measures}
    elif isinstance(given, list):
        given = dict.fromkeys(given)
    by_id = {m["id"]: m for m in measures}
    patterns = {m["family"]: [] for m in measures if m.get("family")}
    for m in measures:
        if m.get("family"):
            patterns[m["family"]].append(m)
    position = {d["id"]: k for k, d in enumerate(domains, start=1)}
    out: dict[str, dict] = {}
    explicit: dict[str, dict] = {}
    for key, value in given.items():
        entry = f"{where}.{key}"
        value = {} if value is None else ({"column": value} if isinstance(value, str) else dict(value))
        if key in patterns:
            for m in patterns[key]:
                template = value.get("column", key)
                try:
                    column = template.format(domain=m["domain"], n=position[m["domain"]])
                except (KeyError, IndexError, ValueError) as exc:
                    raise ConfigError(
                        path,
                        entry,
                        f"column '{template}': only {{domain}} and {{n}} can be replaced ({type(exc).__name__}: {exc})",
                    ) from None
                out[m["id"]] = {
                    "column": column,
                    "optional": value.get("optional", m.get("optional", False)),
                    "entry": entry,
                }
        elif key in by_id:
            explicit[key] = {
                "column": value.get("column", key),
                "optional": value.get("optional", by_id[key].get("optional", False)),
                "entry": entry,
            }
        else:
            known = [*patterns, *(m["id"] for m in measures if not m.get("family"))]
            raise ConfigError(path, entry, f"unknown measure '{key}' (measures: {', '.join(known)})")
    out.update(explicit)
    out = {m["id"]: out[m["id"]] for m in measures if m["id"] in out}  # codebook order
    seen: dict[str, str] = {}
    for mid, col in out.items():
        if col["column"] in seen:
            raise ConfigError(
                path, col["entry"], f"column '{col['column']}' is already the column of '{seen[col['column']]}'"
            )
        seen[col["column"]] = mid
    return out


def _file_extras(path, i: int, spec: dict) -> dict[str, dict]:
    """extra column name -> {column, codes, code_map, age_bands, entry}: the three forms of
    `extra_columns` (allowed codes; {column, codes}; {column, age_bands}) in one shape."""
    out = {}
    for name, value in spec.get("extra_columns", {}).items():
        entry = f"files.{i}.extra_columns.{name}"
        value = {"codes": value} if isinstance(value, list) else dict(value)
        codes = value.get("codes")
        item = {
            "column": value.get("column", name),
            "codes": None,
            "code_map": None,
            "age_bands": value.get("age_bands"),
            "entry": entry,
        }
        if isinstance(codes, dict):
            item["code_map"] = {str(k): int(v) for k, v in codes.items()}
        elif codes is not None:
            item["codes"] = list(codes)
        if (item["age_bands"] is None) == (codes is None):
            raise ConfigError(path, entry, "give either the allowed `codes` or the `age_bands` of an age in years")
        out[name] = item  # age_bands are parsed (and checked) by survey_responses: population imports pandas
    return out


def load_territory_files(regions_dir: str | Path, geo: Geography | DepartementIndex) -> list[dict]:
    """Read every `<regions_dir>/*.yaml` into a territory definition.

    Returns dicts ``code, name, slug, kind ('region' or 'custom'), departements, intro, path``,
    sorted by slug. A file whose code is a COG region is that region (its départements, if
    listed, must be the COG ones); any other code is a custom territory and must list its
    départements.
    """
    regions_dir = Path(regions_dir)
    files = sorted(regions_dir.glob("*.yaml"))
    if not files:
        raise ConfigError(regions_dir, "(directory)", "no territory file (*.yaml): add one file per report")
    out, codes = [], {}
    for f in files:
        data = validate(load_yaml(f) or {}, "region", f)
        if data["slug"] != f.stem:
            raise ConfigError(f, "slug", f"'{data['slug']}' must equal the file name '{f.stem}'")
        code = data["code"]
        if code in RESERVED_CODES:
            raise ConfigError(f, "code", f"'{code}' is reserved for France entière")
        if code in codes:
            raise ConfigError(f, "code", f"'{code}' is already used by {codes[code]}")
        codes[code] = f.name
        deps = data.get("departements")
        if deps is not None:
            unknown = [d for d in deps if d not in geo.departement_region]
            if unknown:
                raise ConfigError(
                    f, "departements", f"unknown département code(s) {', '.join(unknown)} (COG {geo.vintage})"
                )
        if code in geo.region_departements:
            kind = "region"
            cog = geo.region_departements[code]
            if deps is not None and sorted(deps) != sorted(cog):
                raise ConfigError(
                    f,
                    "departements",
                    f"region {code} has départements {', '.join(cog)} in the COG; "
                    "for another set of départements use a custom code (e.g. 'ALSACE')",
                )
            deps = list(cog)
        elif code.isdigit():
            raise ConfigError(
                f, "code", f"'{code}' is not a COG region code; custom territories use a code starting with a letter"
            )
        else:
            kind = "custom"
            if deps is None:
                raise ConfigError(f, "departements", "a custom territory must list its départements")
        name = data["name"]
        elided = name[0].lower() in "aeiouyéèêâîôûh" and not name.startswith(("La ", "Le ", "Les "))
        from .territories import nominative_of  # noqa: PLC0415 (territories imports this module)

        genitive = data.get("genitive", f"d'{name}" if elided else f"de {name}")
        out.append(
            {
                "code": code,
                "name": name,
                "slug": data["slug"],
                "kind": kind,
                "short_name": data.get("short_name", name),
                "locative": data.get("locative", f"en {name}"),
                "genitive": genitive,
                # the subject of a sentence (« La Corse est… »): derived from the genitive
                "nominative": data.get("nominative", nominative_of(genitive)),
                "departements": sorted(deps),
                "intro": data.get("intro", ""),
                "path": str(f),
            }
        )
    return sorted(out, key=lambda t: t["slug"])
