#version 130
// Linear-blend skinning on the GPU, joint matrices in world space. The limb generator gives every
// vertex at most three influences (joint_weights.w is always 0), and under software GL each
// matrix fetched per vertex costs frame rate, so only three are read.
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelViewMatrix;
uniform mat3 p3d_NormalMatrix;
uniform mat4 u_joints[32];
uniform vec3 u_rest_axis;  // the limb's direction in its rest pose (arm: +Y, leg: -Z)

in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec2 p3d_MultiTexCoord0;
in vec4 joint_indices;
in vec4 joint_weights;
in float nail;  // 0..1: on a finger- or toenail
in vec4 skin;   // crease distance (mm), crease kind, lunula distance (mm), palmar share (limbs/skin_detail.py)
in float tint;  // flush 0..1

out vec3 v_normal;    // view space
out vec3 v_position;  // view space
out vec2 v_uv;
out float v_rest_along;  // distance from the limb's root (shoulder, hip) along the limb at rest
out float v_nail;
out vec4 v_skin;
out float v_tint;
out vec3 v_rest;  // rest-pose position (m): the skin's mottling stays on the skin as it moves

void main() {
    mat4 blend = joint_weights.x * u_joints[int(joint_indices.x)]
              + joint_weights.y * u_joints[int(joint_indices.y)]
              + joint_weights.z * u_joints[int(joint_indices.z)];
    vec4 posed = blend * vec4(p3d_Vertex.xyz, 1.0);
    gl_Position = p3d_ModelViewProjectionMatrix * posed;
    v_position = (p3d_ModelViewMatrix * posed).xyz;
    v_normal = p3d_NormalMatrix * (mat3(blend) * p3d_Normal);
    v_uv = p3d_MultiTexCoord0;
    v_rest_along = dot(p3d_Vertex.xyz, u_rest_axis);
    v_nail = nail;
    v_skin = skin;
    v_tint = tint;
    v_rest = p3d_Vertex.xyz;
}
