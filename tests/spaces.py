"""Generated spaces for the tests and benchmarks/bench_startup.py."""

from __future__ import annotations

from pathlib import Path


def generate_space(audiences: int) -> str:
    """A space with `audiences` audiences, each with a customized Facebook and a default Braze connection."""
    out = [
        "version = 1",
        "",
        "[space]",
        'key = "big"',
        'name = "Generated space"',
        "",
        "[[identifiers]]",
        'key = "phone"',
        "",
        "[[destinations]]",
        'key = "fb"',
        'type = "facebook_custom_audiences"',
        'name = "Facebook"',
        "",
        "[[destinations]]",
        'key = "braze"',
        'type = "actions"',
        'name = "Braze"',
    ]
    for i in range(audiences):
        out += [
            "",
            f"# Audience {i}",
            "[[audiences]]",
            f'key = "audience_{i:05d}"',
            f'name = "Audience {i}"',
            "",
            "[[audiences.conditions]]",
            'trait = "lifetime_value"',
            'op = ">="',
            f"value = {i % 1000}",
            "",
            "[[audiences.connections]]",
            'destination = "fb"',
            'setup = "customized"',
            "send_mobile_ids = true",
        ]
        for segment, key, strategy in (
            ("email", "EMAIL", "last_added"),
            ("ios.idfa", "MADID", "all"),
            ("phone", "PHONE", "first_added"),
        ):
            out += [
                "",
                "[[audiences.connections.identifiers]]",
                f'segment = "{segment}"',
                f'destination = "{key}"',
                f'strategy = "{strategy}"',
            ]
        out += ["", "[[audiences.connections]]", 'destination = "braze"', "send_identify = true"]
    return "\n".join(out) + "\n"


def plant_fake_module(folder: Path, module: str, marker: Path) -> None:
    """A package tree under `folder` whose `module` (dotted) would create `marker` if it were ever run: a hostile
    checkout in the folder where the app starts."""
    *packages, name = module.split(".")
    here = folder
    for package in packages:
        here = here / package
        here.mkdir(exist_ok=True)
        (here / "__init__.py").write_text("")
    (here / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
