"""hub: carries Vietnam's digital school transcripts (học bạ số) to the ministry's store."""

__version__ = "0.1.0.dev0"
