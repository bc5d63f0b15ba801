"""The JSON records of ``platekit read --format jsonl`` and ``POST /v1/read``, as pydantic models.

The published JSON Schema (docs/read_record.schema.json) is generated from these models
(``python -m platekit.inference.schema > docs/read_record.schema.json``); a test checks it is current
and that what the CLI and the service print validates against them.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Point = tuple[float, float]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlateRecord(_Strict):
    text: str = Field(description="The plate text, e.g. 皖A12345 (Russian plates: Latin lookalike letters).")
    confidence: float = Field(ge=0, le=1, description="Product of char_confidences.")
    char_confidences: list[float] = Field(description="One probability per character of text.")
    box: tuple[float, float, float, float] = Field(description="x1, y1, x2, y2 in image pixels.")
    corners: tuple[Point, Point, Point, Point] = Field(
        description="The plate's 4 corners in image pixels: left-top, right-top, right-bottom, left-bottom.")
    detection_confidence: float = Field(ge=0, le=1, description="The detector's score (1 with --crops).")
    format: str | None = Field(description="Deprecated, kept for old clients: the region when the text fits one "
                               "of its plate formats, else null. Use region and type.")
    region: str | None = Field(description="Region of the recognizer that read the plate: cn, ru, latin.")
    type: str | None = Field(description="Plate type the text fits (cn-blue, cn-green, cn-green-large, "
                             "cn-yellow, cn-learner, cn-trailer, cn-police, cn-embassy, cn-consulate, cn-hk, "
                             "cn-macau, cn-emergency, ru, ru-taxi, eu-de, ...); of several types that spell the "
                             "text, the one of the plate's colour (a 7-character Chinese text on a yellow plate "
                             "is cn-yellow; with no colour seen, cn-blue); null: the reading fits no known plate "
                             "type.")
    colour: str | None = Field(description="The plate's background colour seen in its pixels (Chinese "
                               "plates: blue, green, yellow, white, black), or null: not judged (other regions, "
                               "--no-colour) or not sure.")


class ImageRecord(_Strict):
    image: str = Field(description="The path as given (or the uploaded file name).")
    width: int
    height: int
    ms: float = Field(description="Whole time for this image: decode, detect, rectify, read.")
    plates: list[PlateRecord] = Field(description="Sorted by detection confidence.")
    unread: int = Field(ge=0, description="Plates detected but not returned: reading empty or below "
                        "the confidence threshold.")
    unread_boxes: list[list[float]] | None = Field(None, description="Only when plates went unread (absent "
                                                   "otherwise): their boxes [x1, y1, x2, y2]; with --region auto, "
                                                   "also plates that fit no reader.")
    warnings: list[str] | None = Field(None, description="Only for a file decoded despite damage (absent "
                                       "otherwise): what was wrong, e.g. a truncated JPEG read as far as it goes.")


class TrackRecord(_Strict):
    image: str = Field(description="The video path, webcam index or stream URL (password hidden).")
    width: int
    height: int
    ms: float = Field(description="Reading time of the sampled frames from this track's first to last frame.")
    track: int
    first_frame: int
    last_frame: int
    best_frame: int = Field(description="The frame whose plate is reported (the voted text's most confident).")
    start_s: float = Field(description="When the track starts: position in a file, or seconds since a live "
                           "source was opened.")
    end_s: float
    fps: float = Field(description="The source's frame rate as it reports it.")
    observations: int = Field(description="Sampled frames the plate was read on (>= --min-track).")
    vote: float = Field(description="Share of the confidence mass that voted for the reported text.")
    texts: list[str] = Field(description="Every text read on the track.")
    plates: list[PlateRecord] = Field(min_length=1, max_length=1)


class EmptyVideoRecord(_Strict):
    image: str
    width: int
    height: int
    ms: float
    track: None = Field(description="null: the video had no plate track (of at least --min-track frames).")
    fps: float
    short_tracks: int = Field(ge=0, description="Tracks dropped as shorter than --min-track.")
    plates: list[PlateRecord] = Field(max_length=0)


class ErrorRecord(_Strict):
    image: str
    error: str = Field(description="Why this input could not be read; the rest of the batch goes on.")


ReadRecord = ImageRecord | TrackRecord | EmptyVideoRecord | ErrorRecord
READ_RECORD = TypeAdapter(ReadRecord)


def json_schema() -> dict:
    schema = READ_RECORD.json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "platekit read record (one line of --format jsonl; POST /v1/read)", **schema}


if __name__ == "__main__":
    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
