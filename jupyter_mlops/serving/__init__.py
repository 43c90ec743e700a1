"""Model serving: a registered model behind HTTP, champion beside challenger, every prediction logged.

>>> import jupyter_mlops as ml
>>> server = ml.serve("churn@champion", challenger="challenger", mode="canary", canary_share=0.1)  # doctest: +SKIP
>>> server.set_traffic(challenger_share=0.5)                                # doctest: +SKIP
>>> ml.prediction_log("churn", since=timedelta(hours=1))                    # doctest: +SKIP
>>> ml.check_drift("churn@1", "predictions:churn@champion", columns=[...])  # doctest: +SKIP
>>> ml.list_servers()                                                       # doctest: +SKIP
"""

from .read_log import prediction_log
from .server import ModelServer, serve
from .servers import list_servers, set_traffic

__all__ = ["serve", "ModelServer", "list_servers", "set_traffic", "prediction_log"]
