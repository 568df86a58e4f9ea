#ifndef PLATEWATCH_CTESSERACT_SHIM_H
#define PLATEWATCH_CTESSERACT_SHIM_H

#include <tesseract/capi.h>

#endif
