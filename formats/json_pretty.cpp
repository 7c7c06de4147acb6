// JSON pretty printer (being written).
