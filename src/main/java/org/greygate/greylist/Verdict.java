package org.greygate.greylist;

/** The class of an answer; the differential test against Postgrey compares these. */
public enum Verdict {
  /** Temporarily refused: the greylist action. */
  GREYLIST,
  /** Passed for the first time: DUNNO with the X-Greylist header prepended. */
  PREPEND,
  /** Passed: DUNNO. */
  PASS,
  /** Not ours to judge (not a recipient check, attributes missing): DUNNO, nothing stored. */
  NOT_APPLICABLE
}
