"""The course practical, as written: tf.keras networks, SMOTE, class weights, BRF.

This is the reference the benchmark times ``imblab run`` against. It follows the
practical's snippets line for line (TensorFlow's Keras, ``model.fit`` with the
default batch size of 32, ``model.predict``) and adds only the majority-class
baseline and the timing-neutral prints that ``imblab run`` also makes.
"""

import numpy as np
import tensorflow as tf
from imblearn.ensemble import BalancedRandomForestClassifier
from imblearn.over_sampling import SMOTE
from sklearn.datasets import make_classification
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split

X, y = make_classification(
    n_samples=10000, n_features=20, n_classes=2, weights=[0.95, 0.05], random_state=42
)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
print(f"Class 0: {np.sum(y_train == 0)}, Class 1: {np.sum(y_train == 1)}")

# Naive baseline: always predict the majority class.
y_pred_naive = np.zeros_like(y_test)
print(classification_report(y_test, y_pred_naive, zero_division=0))

# Method 1: SMOTE + ANN
smote = SMOTE(random_state=42)
X_train_res, y_train_res = smote.fit_resample(X_train, y_train)
print(f"After SMOTE - Class 0: {np.sum(y_train_res == 0)}, Class 1: {np.sum(y_train_res == 1)}")


def build_model():
    return tf.keras.Sequential(
        [
            tf.keras.layers.Dense(16, activation="relu", input_shape=(20,)),
            tf.keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


model_smote = build_model()
model_smote.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model_smote.fit(X_train_res, y_train_res, epochs=5, verbose=0)
y_pred = (model_smote.predict(X_test, verbose=0) > 0.5).astype(int)
print(classification_report(y_test, y_pred))

# Method 2: class weights
total = len(y_train)
pos = np.sum(y_train == 1)
neg = total - pos
class_weight = {0: (1 / neg) * (total / 2.0), 1: (1 / pos) * (total / 2.0)}
print(class_weight)
model_weighted = build_model()
model_weighted.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model_weighted.fit(X_train, y_train, epochs=5, class_weight=class_weight, verbose=0)
y_pred_w = (model_weighted.predict(X_test, verbose=0) > 0.5).astype(int)
print(classification_report(y_test, y_pred_w))

# Method 3: Balanced Random Forest
brf = BalancedRandomForestClassifier(n_estimators=100, random_state=42)
brf.fit(X_train, y_train)
y_pred_brf = brf.predict(X_test)
print(classification_report(y_test, y_pred_brf))
