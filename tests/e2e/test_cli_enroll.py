"""A new till enrolled from the command line with a one-time code, then synced: its identity comes from HQ."""

from __future__ import annotations

import json
import os
import stat

from desktop import cli
from syncserver import tenancy


def test_enroll_creates_the_till_with_hqs_identity_and_syncs(server, tmp_path, capsys):
    async def setup(pool):
        await tenancy.create_tenant(pool, 5, "Almacén Las Rosas")
        await tenancy.create_store(pool, 5, "rosas", "Las Rosas")
        return await tenancy.issue_enrollment_code(pool, 5, "rosas", "Caja 1")

    code = server.run(setup)
    data = tmp_path / "till"
    assert cli.main(["pos", "enroll", server.url, str(code), "--data", str(data)]) == 0
    enrolled = json.loads(capsys.readouterr().out)
    assert (enrolled["tenant_id"], enrolled["store_id"]) == (5, "rosas")
    assert stat.S_IMODE(os.stat(data / "terminal.key").st_mode) == 0o600
    assert cli.main(["pos", "sync", "--data", str(data)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["online"] and status["pending"] == 0
    assert cli.main(["pos", "enroll", server.url, str(code), "--data", str(data)]) == 1  # already enrolled
    assert "ya está enrolada" in capsys.readouterr().err
    other = tmp_path / "other"
    assert cli.main(["pos", "enroll", server.url, str(code), "--data", str(other)]) == 1  # code already used
    assert "ya fue usado" in capsys.readouterr().err
    assert not (other / "terminal.key").exists()
