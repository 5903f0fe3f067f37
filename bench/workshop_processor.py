"""The original workshop's stream processor, as the baseline: one sequential GET per record.

Kept as the workshop wrote it (no session, no timeout, one print per record) so the benchmark
measures the algorithm the issue describes, not an improved version of it.
"""

import base64
import json
import os

import requests


def processRecord(event, context):
    output = []

    for record in event["records"]:
        print("Processing record: " + record["recordId"])
        click = json.loads(base64.b64decode(record["data"]))

        mysfitId = click["mysfitId"]
        mysfit = retrieveMysfit(mysfitId)

        enrichedClick = {
            "userId": click["userId"],
            "mysfitId": mysfitId,
            "goodevil": mysfit["goodevil"],
            "lawchaos": mysfit["lawchaos"],
            "species": mysfit["species"],
        }

        output_record = {
            "recordId": record["recordId"],
            "result": "Ok",
            "data": base64.b64encode(json.dumps(enrichedClick).encode("utf-8") + b"\n").decode(
                "utf-8"
            ),
        }
        output.append(output_record)

    print("Successfully processed {} records.".format(len(event["records"])))

    return {"records": output}


def retrieveMysfit(mysfitId):
    apiEndpoint = os.environ["MYSFITS_API_URL"] + "/mysfits/" + str(mysfitId)
    mysfit = requests.get(apiEndpoint).json()
    return mysfit
