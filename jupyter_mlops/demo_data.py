"""Real data for the notebooks and the demo: four years of Seattle weather, shipped with ``vega_datasets``.

Nothing is downloaded: ``vega_datasets`` bundles ``seattle-weather.csv`` (one row per day, 2012-2015).
The task is to predict whether it rains on a day (``rain``: any precipitation) from that day's
temperatures and wind. Seasons drift from each other for real: a model trained on the cool months
meets warmer, drier days in summer, and a model retrained on summer days does better there.

>>> from jupyter_mlops.demo_data import FEATURES, TARGET, weather_by_season
>>> winter = weather_by_season("winter")       # Nov-Feb of every year     # doctest: +SKIP
>>> summer = weather_by_season("summer")       # Jun-Aug                   # doctest: +SKIP
>>> list(winter.columns) == [*FEATURES, TARGET]                            # doctest: +SKIP
True
"""

from __future__ import annotations

from .errors import InvalidInput, closest

FEATURES = ("temp_max", "temp_min", "wind", "temp_range")
"""The model's inputs: the day's highest and lowest temperature (°C), mean wind (m/s) and their spread."""
TARGET = "rain"
"""1 when any precipitation fell that day, else 0."""
SEASONS = {"winter": (11, 12, 1, 2), "spring": (3, 4, 5), "summer": (6, 7, 8), "autumn": (9, 10)}
"""Months of each season as used here: the wet, cool months (Nov-Feb) against the dry summer (Jun-Aug)."""
YEARS = range(2012, 2016)


def seattle_weather():
    """Every day of 2012-2015 in Seattle, ready for modelling; a DataFrame of 1,461 rows.

    Columns: ``date`` and ``month`` (for slicing; not model inputs), the ``FEATURES``
    (``temp_max``, ``temp_min``, ``wind``, ``temp_range = temp_max - temp_min``) and the target
    ``rain`` (1 when any precipitation fell). The raw file's ``precipitation`` and ``weather``
    columns are left out: they give the answer away.

    >>> seattle_weather().groupby("month")["rain"].mean().round(2).loc[[1, 7]].tolist()   # doctest: +SKIP
    [0.53, 0.09]
    """
    import warnings

    try:
        with warnings.catch_warnings():  # vega_datasets may warn about its own deprecations on import
            warnings.simplefilter("ignore")
            from vega_datasets import local_data

            raw = local_data.seattle_weather()
    except ImportError:
        raise ImportError("the demo data needs vega_datasets (it ships Seattle's weather, no download): "
                          "pip install 'jupyter-mlops[demo]'") from None
    frame = raw[["date"]].assign(month=raw["date"].dt.month.astype("int64"), temp_max=raw["temp_max"],
                                 temp_min=raw["temp_min"], wind=raw["wind"],
                                 temp_range=(raw["temp_max"] - raw["temp_min"]).round(1),
                                 rain=(raw["precipitation"] > 0).astype("int64"))
    return frame.reset_index(drop=True)


def _as_tuple(value) -> tuple:
    """One value or several as a tuple; a lone non-iterable value (e.g. 6.5) stays one, to be refused by name."""
    if isinstance(value, (str, int)):
        return (value,)
    try:
        return tuple(value)
    except TypeError:
        return (value,)


def _months(season) -> tuple[int, ...]:
    if isinstance(season, str):
        if season not in SEASONS:
            raise InvalidInput(f"no season {season!r}{closest(season, SEASONS)}; seasons: {', '.join(SEASONS)} "
                               "(or give month numbers, e.g. [6, 7, 8])")
        return SEASONS[season]
    months = _as_tuple(season)
    if not months or any(isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 12 for m in months):
        raise InvalidInput(f"months are numbers from 1 to 12, e.g. [6, 7, 8], got {season!r}; or name a season: "
                           f"{', '.join(SEASONS)}")
    return months


def _years(years) -> tuple[int, ...]:
    chosen = _as_tuple(years)
    unknown = [y for y in chosen if isinstance(y, bool) or not isinstance(y, int) or y not in YEARS]
    if not chosen or unknown:
        raise InvalidInput(f"the weather data covers the years {YEARS[0]}-{YEARS[-1]}, got {years!r}; "
                           f"give some of {list(YEARS)}")
    return chosen


def weather_by_season(season, years=None, *, dates: bool = False):
    """The days of one season (of some years), as a modelling frame: ``FEATURES`` then ``rain``.

    ``season``: ``"winter"`` (Nov-Feb), ``"spring"`` (Mar-May), ``"summer"`` (Jun-Aug),
    ``"autumn"`` (Sep-Oct), or month numbers. ``years``: a calendar year or several (default:
    all of 2012-2015), so ``weather_by_season("winter", 2015)`` is Jan, Feb, Nov and Dec 2015.
    ``dates=True`` keeps ``date`` and ``month`` in front. Rows are in date order, index 0..n-1.

    >>> reference = weather_by_season("winter", years=[2012, 2013, 2014])   # doctest: +SKIP
    >>> new_winter = weather_by_season("winter", years=2015)   # same season: no drift  # doctest: +SKIP
    >>> summer = weather_by_season("summer", dates=True)       # warmer, drier: drift   # doctest: +SKIP
    >>> summer.columns.tolist()                                                          # doctest: +SKIP
    ['date', 'month', 'temp_max', 'temp_min', 'wind', 'temp_range', 'rain']
    """
    months = _months(season)
    frame = seattle_weather()
    keep = frame["month"].isin(months)
    if years is not None:
        keep &= frame["date"].dt.year.isin(_years(years))
    columns = ["date", "month", *FEATURES, TARGET] if dates else [*FEATURES, TARGET]
    return frame.loc[keep, columns].reset_index(drop=True)
