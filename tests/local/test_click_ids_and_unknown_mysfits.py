"""Through the local stack: a click id rides along to the bucket; a click on a mysfit the
Mysfits service does not know (it answers 500) lands under the error prefix, raw."""

from __future__ import annotations

import json
import uuid

import requests

from clickstream import contract

from .conftest import put_click, sent_click


def test_a_click_id_is_delivered_in_the_contracts_place(start_pipeline):
    pipeline = start_pipeline()
    mysfit = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]
    click = {"userId": "guest", "mysfitId": mysfit["mysfitId"], "clickId": str(uuid.uuid4())}

    answer = put_click(pipeline, click)
    pipeline.flush()

    assert answer.status_code == 200
    (path,) = pipeline.delivered_objects()
    line = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=list)
    keys = [key for key, _ in line]
    assert keys == [key for key, _ in contract.ENRICHED_FIELDS if key != "visitorId"]
    assert dict(line)["clickId"] == click["clickId"]
    assert dict(line)["species"] == mysfit["species"]


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
    assert sent_click(failed["raw"]) == click
