"""The whole click stream on this machine: page, clicks API, delivery stream, processor, bucket."""

from __future__ import annotations

import base64
import gzip
import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clickstream.commands.sitepolicy import origin
from clickstream.commands.webconfig import CognitoSettings
from clickstream.http.servers import LocalServer, PortInUseError, RequestHandler

from .apigateway import ApiHandler, LocalRestApi, load_rest_api
from .awslambda import LocalFunction
from .clock import RunnerClock
from .cloudformation import (
    DEFAULT_PSEUDO,
    LocalRunnerError,
    ResolvedTemplate,
    TemplateError,
    check_parameter,
    load_template,
    stand_in_parameters,
)
from .cognito import CognitoStandIn
from .dynamodb import LocalDynamoDB, catalog_as_table_items, parameter_tables
from .firehose import FirehoseApi, FirehoseApiHandler, LocalDeliveryStream
from .firehose.loading import load_conversion
from .mysfits import MysfitsCatalog, MysfitsHandler
from .runner_endpoints import RunnerEndpoints
from .services import AwsServices
from .web import Site, WebHandler

__all__ = ["LocalPipeline"]

log = logging.getLogger("clickstream.local")

# Firehose's defaults for a Lambda processor (API_ProcessorParameter).
DEFAULT_PROCESSOR_BUFFER_MB = 1.0
DEFAULT_PROCESSOR_INTERVAL_SECONDS = 60.0
DEFAULT_RETRIES = 3
# Lambda's defaults when the template leaves them out.
DEFAULT_TIMEOUT_SECONDS = 3
DEFAULT_MEMORY_MB = 128
MYSFITS_API_PARAMETER = "MysfitsApiUrl"
USER_POOL_PARAMETER = "CognitoUserPoolArn"
MYSFITS_API_VARIABLE = "MYSFITS_API_URL"


@contextmanager
def _port_role(role: str) -> Iterator[None]:
    """A taken port names which of the pipeline's ports it was (``api``, ``web``…)."""
    try:
        yield
    except PortInUseError as error:
        error.role = role
        raise


class LocalPipeline:
    """The stack in ``template``, served on ``host``; delivered objects land in ``bucket_dir``.

    ``mysfits_api_url``: a real Mysfits API to use instead of the local one. ``web_dir``: the site
    (``None``: no site). ``interval_scale`` multiplies the processor's buffer interval (0.01 turns
    60 s into 0.6 s). Ports 0 pick free ones. ``code_dir`` is where the function's ``Handler`` is
    found (default: ``lambda/`` next to the template's folder). ``parameters`` override template
    parameters. ``site_csp_header=False``: the pages carry their policy in their meta tag only.

    After ``start()``: ``api_url`` (the ``StreamingApiEndpoint`` equivalent), ``mysfits_api_url``,
    ``web_url``, ``firehose_url`` (Firehose's JSON API for the stream), ``stream_name``,
    ``bucket_dir``, ``aws_endpoint_url`` (moto's server: the processor's DynamoDB, its Mysfits
    table seeded from the catalog). ``flush()`` delivers what is buffered; ``stop()`` flushes and
    stops everything. Read helpers: ``delivered_objects()``,
    ``delivered_records()``, ``failed_objects()``, ``failed_records()``.
    """

    def __init__(
        self,
        template: Path = Path("templates/clickstream.json"),
        bucket_dir: Path = Path("local-bucket"),
        *,
        mysfits_api_url: str | None = None,
        web_dir: Path | None = Path("web"),
        interval_scale: float = 1.0,
        host: str = "127.0.0.1",
        api_port: int = 0,
        mysfits_port: int = 0,
        web_port: int = 0,
        firehose_port: int = 0,
        cognito_port: int = 0,
        code_dir: Path | None = None,
        parameters: dict[str, str] | None = None,
        site_csp_header: bool = True,
    ) -> None:
        if interval_scale <= 0:
            raise ValueError("interval_scale must be positive")
        self.template_path = Path(template)
        self.bucket_dir = Path(bucket_dir)
        self.web_dir = None if web_dir is None else Path(web_dir)
        self.site_csp_header = site_csp_header
        self.interval_scale = interval_scale
        self.host = host
        self.code_dir = Path(code_dir) if code_dir else self.template_path.parent.parent / "lambda"
        self._ports = {
            "api": api_port,
            "mysfits": mysfits_port,
            "web": web_port,
            "firehose": firehose_port,
            "cognito": cognito_port,
        }
        self._external_mysfits = mysfits_api_url.rstrip("/") if mysfits_api_url else None
        self._parameters = dict(parameters or {})
        self._servers: list[LocalServer] = []
        self._intake: list[LocalServer] = []
        self._function: LocalFunction | None = None
        self._dynamodb: LocalDynamoDB | None = None
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        self.stream: LocalDeliveryStream | None = None
        self.api: LocalRestApi | None = None
        self.template: ResolvedTemplate | None = None
        self.cognito: CognitoStandIn | None = None
        self.api_url = self.mysfits_api_url = self.web_url = self.firehose_url = ""
        self.aws_endpoint_url = ""
        self.started = False
        # API Gateway's request times and Firehose's arrivals; ``generate.py simulate`` sets it
        # back through /_local/clock (``runner_endpoints.py``).
        self.clock = RunnerClock()

    # -- lifecycle --------------------------------------------------------------------------------

    def __enter__(self) -> LocalPipeline:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> LocalPipeline:
        """Start every endpoint; raises LocalRunnerError (one line) if it cannot."""
        if self.started:
            return self
        try:
            self._start()
        except BaseException:
            self._shutdown(flush=False)
            raise
        self.started = True
        return self

    def _bind(
        self, handler: type[RequestHandler], role: str, what: str, *, intake: bool = False
    ) -> LocalServer:
        """Bind the server of port ``role``; ``intake``: it puts records into the stream (it
        drains before it)."""
        with _port_role(role):
            server = LocalServer(handler, self.host, self._ports[role], what)
        self._servers.append(server)
        if intake:
            self._intake.append(server)
        return server

    def _start(self) -> None:
        document = load_template(self.template_path)
        # The parameters given are checked before any service starts: a refusal is one line.
        declared = document.get("Parameters") or {}
        for name, value in self._parameters.items():
            if name not in declared:
                raise TemplateError(f"template has no parameter {name}")
            check_parameter(name, declared[name], value)
        if self.web_dir is not None and not (self.web_dir / "index.html").is_file():
            raise LocalRunnerError(f"no site at {self.web_dir / 'index.html'}")
        # Every public port is bound before anything runs, so a taken one is reported first.
        api_server = self._bind(ApiHandler, "api", "clicks API", intake=True)
        mysfits_server = None
        if self._external_mysfits is None:
            mysfits_server = self._bind(MysfitsHandler, "mysfits", "Mysfits API")
            self.mysfits_api_url = mysfits_server.url
        else:
            self.mysfits_api_url = self._external_mysfits
        web_server = None
        if self.web_dir is not None:
            web_server = self._bind(WebHandler, "web", "site")
        firehose_server = self._bind(FirehoseApiHandler, "firehose", "Firehose API", intake=True)
        self._dynamodb = LocalDynamoDB(self.host)
        aws_url = self.aws_endpoint_url = self._dynamodb.start()
        # Browsers may call the Cognito stand-in from the site's pages only.
        site_origins = [] if web_server is None else [origin(web_server.url)]
        with _port_role("cognito"):
            self.cognito = CognitoStandIn(
                self.host, self._ports["cognito"], allowed_origins=site_origins
            )
        cognito = self.cognito.start()
        # The site's user pool: the stand-in's, unless a parameter names another (or none).
        self.user_pool_arn = (
            f"arn:aws:cognito-idp:{cognito.region}:{DEFAULT_PSEUDO['AWS::AccountId']}:"
            f"userpool/{cognito.user_pool_id}"
        )

        parameters = stand_in_parameters(document)
        if MYSFITS_API_PARAMETER in declared:
            parameters[MYSFITS_API_PARAMETER] = self.mysfits_api_url
        if USER_POOL_PARAMETER in declared:
            parameters[USER_POOL_PARAMETER] = self.user_pool_arn
        parameters.update(self._parameters)
        template = ResolvedTemplate(document, parameters=parameters)
        self.template = template

        services = AwsServices(account_id=template.pseudo["AWS::AccountId"])
        for region, table in parameter_tables(template):
            self._dynamodb.create_table(region, table, catalog_as_table_items(self.mysfits_api_url))
        self.stream = self._delivery_stream(template, aws_url)
        services.add_stream(self.stream)
        self.api = load_rest_api(
            template,
            services,
            user_pools={self.user_pool_arn: cognito.authorizer()},
            clock=self.clock,
        )
        self.api_url = f"{api_server.url}/{self.api.stage}"

        firehose_server.start(FirehoseApi([self.stream], account_id=services.account_id))
        self.firehose_url = firehose_server.url
        if mysfits_server is not None:
            catalog = MysfitsCatalog(mysfits_server.url, authorize=cognito.authorizer())
            mysfits_server.start(catalog)
        self.stream.start()
        api_server.start(self.api)
        if web_server is not None:
            settings = CognitoSettings(cognito.user_pool_id, cognito.client_id, f"{cognito.url}/")
            signed_in = any(m.authorizer for m in self.api.methods.values())
            site = Site(
                self.web_dir,
                self.mysfits_api_url,
                self.api_url,
                settings,
                self.site_csp_header,
                signed_in_clicks=signed_in,
                runner=RunnerEndpoints(
                    {
                        "site": f"{web_server.url}/",
                        "streamingApiEndpoint": self.api_url,
                        "mysfitsApiEndpoint": self.mysfits_api_url,
                        "cognitoEndpoint": f"{cognito.url}/",
                        "cognitoRegion": cognito.region,
                        "cognitoUserPoolId": cognito.user_pool_id,
                        "cognitoUserPoolClientId": cognito.client_id,
                        "signedInClicks": signed_in,
                        # The stage's steady rate: what a client may send without a 429.
                        "clicksPerSecond": min(
                            (bucket.rate for bucket in self.api.throttles.values()), default=None
                        ),
                        "bucketDir": str(self.bucket_dir.resolve()),
                    },
                    lambda email: list(cognito.codes.get(email.lower(), [])),
                    self.clock,
                ),
            )
            web_server.start(site)
            self.web_url = f"{web_server.url}/"

    def _delivery_stream(self, template: ResolvedTemplate, aws_url: str) -> LocalDeliveryStream:
        streams = list(template.of_type("AWS::KinesisFirehose::DeliveryStream"))
        if len(streams) != 1:
            raise TemplateError(
                f"template has {len(streams)} AWS::KinesisFirehose::DeliveryStream, expected 1"
            )
        logical_id, properties = streams[0]
        destination = properties.get("ExtendedS3DestinationConfiguration")
        if not isinstance(destination, dict):
            raise TemplateError("the delivery stream has no ExtendedS3DestinationConfiguration")
        compression = destination.get("CompressionFormat", "UNCOMPRESSED")
        if compression not in ("UNCOMPRESSED", "GZIP"):
            raise TemplateError(f"CompressionFormat {compression} is not supported locally")
        hints = destination.get("BufferingHints") or {}
        conversion = load_conversion(template, destination)
        size_mb = float(hints.get("SizeInMBs", 5))
        interval = float(hints.get("IntervalInSeconds", 300))
        retries = DEFAULT_RETRIES
        destination_size = destination_interval = None
        function = None
        processing = destination.get("ProcessingConfiguration") or {}
        if processing.get("Enabled"):
            lambdas = [p for p in processing.get("Processors") or [] if p.get("Type") == "Lambda"]
            if len(lambdas) != 1:
                raise TemplateError("the delivery stream's processing has no Lambda processor")
            params = {p["ParameterName"]: p["ParameterValue"] for p in lambdas[0]["Parameters"]}
            size_mb = float(params.get("BufferSizeInMBs", DEFAULT_PROCESSOR_BUFFER_MB))
            interval = float(
                params.get("BufferIntervalInSeconds", DEFAULT_PROCESSOR_INTERVAL_SECONDS)
            )
            retries = int(params.get("NumberOfRetries", DEFAULT_RETRIES))
            # What the processor returns is buffered again by the destination's own hints.
            destination_size = int(float(hints.get("SizeInMBs", 5)) * 1024 * 1024)
            destination_interval = float(hints.get("IntervalInSeconds", 300)) * self.interval_scale
            function = self._function_for(template, str(params.get("LambdaArn", "")), aws_url)
        name = template.physical_name(logical_id)
        return LocalDeliveryStream(
            name=name,
            arn=template.arn(logical_id),
            region=template.pseudo["AWS::Region"],
            bucket_dir=self.bucket_dir,
            prefix=str(destination.get("Prefix", "")),
            error_prefix=str(destination.get("ErrorOutputPrefix", "")),
            processor=function,
            buffer_size_bytes=int(size_mb * 1024 * 1024),
            buffer_interval_seconds=interval * self.interval_scale,
            number_of_retries=retries,
            destination_size_bytes=destination_size,
            destination_interval_seconds=destination_interval,
            compression=compression,
            conversion=conversion,
            encrypted="DeliveryStreamEncryptionConfigurationInput" in properties,
            clock=self.clock,
        )

    def _function_for(self, template: ResolvedTemplate, arn: str, aws_url: str) -> LocalFunction:
        unqualified = arn.split(":$LATEST")[0]
        matches = [
            (logical_id, properties)
            for logical_id, properties in template.of_type("AWS::Lambda::Function")
            if template.arn(logical_id) in (arn, unqualified)
        ]
        if not matches:
            raise TemplateError(f"the processor {arn} is not an AWS::Lambda::Function here")
        logical_id, properties = matches[0]
        handler = str(properties.get("Handler", ""))
        if "." not in handler:
            raise TemplateError(f"function {logical_id} has no Handler module.function")
        code_dir = self.code_dir
        inline = (properties.get("Code") or {}).get("ZipFile")
        if inline is not None:
            self._temporary = tempfile.TemporaryDirectory(prefix="clickstream-local-")
            code_dir = Path(self._temporary.name)
            module = handler.rpartition(".")[0]
            (code_dir / f"{module}.py").write_text(str(inline), encoding="utf-8")
        environment = {
            k: str(v)
            for k, v in ((properties.get("Environment") or {}).get("Variables") or {}).items()
        }
        if MYSFITS_API_VARIABLE in environment:
            environment[MYSFITS_API_VARIABLE] = self.mysfits_api_url
        region = template.pseudo["AWS::Region"]
        function = LocalFunction(
            name=template.physical_name(logical_id),
            arn=template.arn(logical_id),
            handler=handler,
            code_dir=code_dir.resolve(),
            timeout_seconds=float(properties.get("Timeout", DEFAULT_TIMEOUT_SECONDS)),
            memory_mb=int(properties.get("MemorySize", DEFAULT_MEMORY_MB)),
            environment=environment,
            aws_environment={
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                # Dummy credentials and a local endpoint: the SDK never reaches a real account.
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_SESSION_TOKEN": "local",
                "AWS_ENDPOINT_URL": aws_url,
                "AWS_EC2_METADATA_DISABLED": "true",
            },
        )
        if not function.handler_file().is_file():
            raise TemplateError(
                f"the processor's code {function.handler_file()} is missing "
                f"(Handler {handler}, looked in {code_dir})"
            )
        self._function = function
        return function

    def flush(self) -> None:
        """Deliver everything buffered now, synchronously."""
        if self.stream is not None:
            self.stream.flush()

    def stop(self) -> None:
        """Stop taking requests, deliver everything buffered, stop the processor."""
        self._shutdown(flush=True)
        self.started = False

    def _shutdown(self, *, flush: bool) -> None:
        # What feeds the stream stops first, answering what it already took, so no click is
        # acknowledged after the final flush; then the stream delivers what it holds while the
        # Mysfits API is still up for the processor; then everything else stops.
        servers, self._servers = self._servers, []
        intake, self._intake = self._intake, []
        for server in intake:
            server.stop()
        if self.stream is not None:
            self.stream.stop(flush=flush)
        for server in servers:
            if server not in intake:
                server.stop()
        if self.cognito is not None:
            self.cognito.stop()
            self.cognito = None
        if self._function is not None:
            self._function.close()
        if self._dynamodb is not None:
            self._dynamodb.stop()
            self._dynamodb = None
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None

    @property
    def stream_name(self) -> str:
        """The delivery stream's name (what the mapping template's DeliveryStreamName names)."""
        return self.stream.name if self.stream else ""

    # -- reading the local bucket -----------------------------------------------------------------

    def _keys(self, *, failed: bool) -> list[str]:
        if self.stream is None:
            return []
        return list(self.stream.error_objects if failed else self.stream.objects)

    def delivered_objects(self) -> list[Path]:
        """Files of the delivered (processed) objects this run wrote, in delivery order."""
        return [self.bucket_dir / key for key in self._keys(failed=False)]

    def failed_objects(self) -> list[Path]:
        """Files under the error prefix this run wrote, in delivery order."""
        return [self.bucket_dir / key for key in self._keys(failed=True)]

    def delivered_records(self) -> list[dict[str, Any]]:
        """Every record of every delivered object: a Parquet object's rows (the table's
        lower-case columns, ``clickedat`` a UTC datetime without a zone), or, from a stream that
        does not convert, each line parsed as JSON."""
        return [record for path in self.delivered_objects() for record in _records(path)]

    def failed_records(self) -> list[dict[str, Any]]:
        """Every failure record under the error prefix; ``rawData`` decoded into ``raw``."""
        records = [json.loads(line) for path in self.failed_objects() for line in _lines(path)]
        for record in records:
            record["raw"] = base64.b64decode(record["rawData"])
        return records


def _records(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    return [json.loads(line) for line in _lines(path)]


def _lines(path: Path) -> list[str]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return [line for line in data.decode("utf-8").splitlines() if line.strip()]
