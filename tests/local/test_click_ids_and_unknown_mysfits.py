"""Through the local stack: a click id rides along to the bucket; a click on a mysfit the
Mysfits service does not know (it answers 500) lands under the error prefix, raw."""

from __future__ import annotations

import json
import uuid

import requests

from .conftest import put_click


def test_a_click_id_is_delivered_right_after_the_user_id(start_pipeline):
    pipeline = start_pipeline()
    mysfit = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]
    click = {"userId": "guest", "mysfitId": mysfit["mysfitId"], "clickId": str(uuid.uuid4())}

    answer = put_click(pipeline, click)
    pipeline.flush()

    assert answer.status_code == 200
    (row,) = pipeline.delivered_records()
    # The table's column right after userid, in the Parquet object the stream wrote.
    assert list(row)[:3] == ["userid", "clickid", "mysfitid"]
    assert row["clickid"] == click["clickId"]
    assert row["species"] == mysfit["species"]


def test_a_click_on_an_unknown_mysfit_is_kept_under_the_error_prefix(start_pipeline):
    pipeline = start_pipeline()
    click = {"userId": "guest", "mysfitId": "00000000-0000-4000-8000-000000000000"}
    unknown = requests.get(f"{pipeline.mysfits_api_url}/mysfits/{click['mysfitId']}", timeout=10)

    answer = put_click(pipeline, click)
    pipeline.flush()

    assert unknown.status_code == 500  # the service's answer the processor must cope with
    assert answer.status_code == 200
    assert pipeline.delivered_objects() == []
    (failed,) = pipeline.failed_records()
    assert json.loads(failed["raw"]) == click
