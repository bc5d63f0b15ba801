import numpy as np
import pytest

from platekit.core.ccpd import CCPDParseError, parse_ccpd_name
from platekit.core.geometry import crop_box, nms, order_corners, rectify

NAME = "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg"


def test_parse_example():
    r = parse_ccpd_name("/some/dir/" + NAME)
    assert r.text == "皖AY339S"
    assert r.box == (154, 383, 386, 473)
    assert r.corners == ((154, 383), (363, 402), (386, 473), (177, 454))  # lt, rt, rb, lb
    assert r.area == 25 and r.tilt == (95, 113) and r.brightness == 37 and r.blur == 15


def test_green_plate():
    r = parse_ccpd_name("0-0_0-1&1_50&20-50&20_1&20_1&1_50&1-0_0_3_24_24_29_30_30-1-1.jpg")
    assert r.text == "皖AD00566" and r.format == "cn-green"


@pytest.mark.parametrize(
    "bad",
    [
        "hello.jpg",
        "025-95_113-154&383_386&473-386&473_177&454_154&383-0_0_22_27_27_33_16-37-15.jpg",
        "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_99_27_27_33_16-37-15.jpg",
        "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22-37-15.jpg",
        "0x5-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg",
        "025-95_113-386&473_154&383-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg",
    ],
)
def test_malformed_names_name_the_file(bad):
    with pytest.raises(CCPDParseError, match=bad.split("/")[-1][:10]):
        parse_ccpd_name(bad)


def test_round_trip_name_record_rectified_crop():
    # draw a known pattern inside a tilted quadrilateral, name the file CCPD-style, parse, rectify
    img = np.zeros((300, 400, 3), np.uint8)
    corners = np.array([[100, 100], [300, 120], [305, 180], [95, 160]], np.float32)
    import cv2

    cv2.fillConvexPoly(img, corners.astype(np.int32), (255, 255, 255))
    x1, y1 = corners.min(0).astype(int)
    x2, y2 = corners.max(0).astype(int)
    lt, rt, rb, lb = corners.astype(int)
    name = (
        f"10-90_90-{x1}&{y1}_{x2}&{y2}-{rb[0]}&{rb[1]}_{lb[0]}&{lb[1]}_{lt[0]}&{lt[1]}_{rt[0]}&{rt[1]}"
        "-0_0_0_0_0_0_0-100-10.jpg"
    )
    r = parse_ccpd_name(name)
    np.testing.assert_array_equal(r.corners_array(), corners)
    crop = rectify(img, r.corners_array(), (94, 24))
    assert crop.shape == (24, 94, 3)
    assert crop[2:-2, 2:-2].mean() > 250  # the quad fills the rectified crop
    bb = crop_box(img, r.box, (94, 24))
    assert bb.shape == (24, 94, 3) and bb.mean() < crop.mean()


def test_order_corners_and_nms():
    pts = np.array([[300, 120], [95, 160], [100, 100], [305, 180]], np.float32)
    np.testing.assert_array_equal(order_corners(pts)[0], [100, 100])
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], np.float32)
    keep = nms(boxes, np.array([0.9, 0.8, 0.7]), 0.5)
    assert keep.tolist() == [0, 2]
