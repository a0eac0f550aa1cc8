"""fetch_sources against a local HTTP server on 127.0.0.1 and file:// URLs (never the internet)."""

import functools
import hashlib
import http.server
import json
import socket
import threading

import pytest
from django.core.management import CommandError, call_command

from localities.importers.sources import load_manifest

PAYLOAD = b'{"type": "FeatureCollection", "features": []}\n' * 50


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields its base URL."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "localidad.geojson").write_bytes(PAYLOAD)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def cache(settings, tmp_path):
    settings.DATA_CACHE_DIR = tmp_path / "cache"
    return settings.DATA_CACHE_DIR


def _manifest(tmp_path, *entries):
    lines = []
    for entry in entries:
        lines.append("[[source]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in entry.items()]
    path = tmp_path / "sources.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _entry(url, **extra):
    return {
        "name": "localidades",
        "url": url,
        "dest": "bogota/localidades.geojson",
        "max_bytes": 10_000,
    } | extra


def _leftovers(folder):
    return [p.name for p in folder.rglob("*.part")] if folder.exists() else []


def test_downloads_into_the_cache_and_records_the_checksum(server, cache, tmp_path, capsys):
    manifest = _manifest(tmp_path, _entry(f"{server}/localidad.geojson"))
    call_command("fetch_sources", "--manifest", str(manifest))

    target = cache / "bogota" / "localidades.geojson"
    assert target.read_bytes() == PAYLOAD
    lock = json.loads((cache / "bogota" / "sources.lock.json").read_text())
    assert lock["localidades"]["sha256"] == hashlib.sha256(PAYLOAD).hexdigest()
    assert lock["localidades"]["bytes"] == len(PAYLOAD)
    assert "1 archivos listos" in capsys.readouterr().out

    # Already there: not downloaded again unless --force.
    call_command("fetch_sources", "--manifest", str(manifest))
    assert "ya está" in capsys.readouterr().out


def test_file_over_the_size_limit_is_refused_and_leaves_no_file(server, cache, tmp_path):
    manifest = _manifest(tmp_path, _entry(f"{server}/localidad.geojson", max_bytes=100))
    with pytest.raises(CommandError, match="1 de 1 descargas fallaron"):
        call_command("fetch_sources", "--manifest", str(manifest))
    assert not (cache / "bogota" / "localidades.geojson").exists()
    assert _leftovers(cache) == []


def test_checksum_mismatch_keeps_the_previous_copy(server, cache, tmp_path, capsys):
    target = cache / "bogota" / "localidades.geojson"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"copia anterior")
    manifest = _manifest(tmp_path, _entry(f"{server}/localidad.geojson", sha256="0" * 64))
    with pytest.raises(CommandError):
        call_command("fetch_sources", "--manifest", str(manifest), "--force")
    assert "huella SHA-256" in capsys.readouterr().out
    assert target.read_bytes() == b"copia anterior"
    assert _leftovers(cache) == []


def test_unreachable_server_says_so_in_spanish(cache, tmp_path, capsys):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    manifest = _manifest(tmp_path, _entry(f"http://127.0.0.1:{port}/localidad.geojson"))
    with pytest.raises(CommandError, match="BOGOTA_DATA_DIR"):
        call_command("fetch_sources", "--manifest", str(manifest), "--timeout", "5")
    assert "¿Hay conexión a internet?" in capsys.readouterr().out


def test_missing_file_on_the_server_reports_the_http_status(server, cache, tmp_path, capsys):
    manifest = _manifest(tmp_path, _entry(f"{server}/no-existe.geojson"))
    with pytest.raises(CommandError):
        call_command("fetch_sources", "--manifest", str(manifest))
    assert "404" in capsys.readouterr().out


def test_file_urls_work_and_only_selects_sources(cache, tmp_path):
    source = tmp_path / "upz.geojson"
    source.write_bytes(PAYLOAD)
    manifest = _manifest(
        tmp_path,
        _entry(source.as_uri()),
        {"name": "upz", "url": source.as_uri(), "dest": "bogota/upz/upz.geojson", "max_bytes": 10_000},
    )
    call_command("fetch_sources", "--manifest", str(manifest), "--only", "upz")
    assert (cache / "bogota" / "upz" / "upz.geojson").read_bytes() == PAYLOAD
    assert not (cache / "bogota" / "localidades.geojson").exists()
    with pytest.raises(CommandError, match="Fuente desconocida: nada"):
        call_command("fetch_sources", "--manifest", str(manifest), "--only", "nada")


def test_manifest_cannot_write_outside_the_cache(tmp_path, cache):
    manifest = _manifest(tmp_path, _entry("file:///etc/hostname", dest="../../fuera.txt"))
    with pytest.raises(CommandError, match="ruta relativa dentro de la caché"):
        call_command("fetch_sources", "--manifest", str(manifest))


def test_project_manifest_lists_the_official_boundaries():
    sources = {s.name: s for s in load_manifest()}
    assert sources["localidades"].dest == "bogota/localidades.geojson"
    assert sources["upz"].dest == "bogota/upz/upz.geojson"
    assert all(s.url.startswith("https://datosabiertos.bogota.gov.co/") for s in sources.values())
